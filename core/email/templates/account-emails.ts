// Account emails: confirm an address after signup, reset a forgotten password, confirm a new
// sign-in address — each with a single-use, expiring link (core/accounts/account-tokens.ts) — and
// the notices of account changes (password changed, sign-in address changed). None has an
// unsubscribe link: the realtor asked for each one, or it is about their account's security.
import type { AccountTokenPurpose } from '../../accounts/account-token.entity.ts';
import { html } from './html.ts';
import { accountHeaders, adminUrl, button, cleanHeaderText, renderHtmlDocument, safeHttpUrl, type EmailContent } from './layout.ts';
import { MINUTE_MS } from '../../shared/time.ts';

/** Admin pages that take each kind of token. */
const TOKEN_PAGES: Record<AccountTokenPurpose, string> = {
  email_verification: '/verify-email',
  password_reset: '/reset-password',
  email_change: '/confirm-email',
};

/**
 * The link an account email carries. The token rides in the fragment, which browsers never send
 * to a server: it stays out of access logs, proxies and Referer headers; the admin page reads it
 * and posts it to the API.
 */
export function buildAccountTokenUrl(publicUrl: string, purpose: AccountTokenPurpose, token: string): string {
  return `${adminUrl(publicUrl, TOKEN_PAGES[purpose])}#token=${encodeURIComponent(token)}`;
}

/** "24 hours", "30 minutes". */
export function describeDuration(ms: number): string {
  const minutes = Math.round(ms / MINUTE_MS);
  if (minutes % (60 * 24) === 0) return `${minutes / 1440} ${minutes === 1440 ? 'day' : 'days'}`;
  if (minutes % 60 === 0) return `${minutes / 60} ${minutes === 60 ? 'hour' : 'hours'}`;
  return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
}

export interface AccountEmailInput {
  /** The user's name as they signed up (their own input: escaped like any other). */
  username: string;
  /** From buildAccountTokenUrl. */
  url: string;
  /** How long the link works, for the copy ("This link works for 24 hours"). */
  validForMs: number;
}

function requireLink(url: string): string {
  const safe = safeHttpUrl(url);
  if (!safe) throw new Error('account email link must be an http(s) URL');
  return safe;
}

/** The wording of a single-use link email (verify, reset); the layout is shared. */
interface AccountLinkCopy {
  subject: string;
  heading: string;
  /** After "Hi <name>, " in the HTML part. */
  introHtml: string;
  /** The text part's line before the link. */
  introText: string;
  buttonLabel: string;
  preheader: (validFor: string) => string;
  /** What to do if the realtor did not ask for it: the footer and the text's last line. */
  ignoreNote: string;
}

function renderAccountLinkEmail(a: AccountEmailInput, copy: AccountLinkCopy): EmailContent {
  const name = cleanHeaderText(a.username, 50) || 'there';
  const url = requireLink(a.url);
  const validFor = describeDuration(a.validForMs);
  const body = html`<h1 style="font-size:20px;margin:0 0 8px">${copy.heading}</h1>
<p style="margin:0 0 12px">Hi ${name}, ${copy.introHtml}</p>
<p style="margin:16px 0">${button(url, copy.buttonLabel)}</p>
<p style="margin:12px 0;font-size:13px;color:#52525b">This link works once, for ${validFor}. If the button does not work, paste this address into your browser:<br><span style="word-break:break-all">${url}</span></p>`;
  const text = [`Hi ${name},`, '', copy.introText, url, '', `This link works once, for ${validFor}.`, copy.ignoreNote].join('\n');
  return {
    subject: copy.subject,
    html: renderHtmlDocument({ title: copy.subject, preheader: copy.preheader(validFor), body, footer: html`${copy.ignoreNote}` }),
    text,
    headers: accountHeaders(),
  };
}

export function renderVerifyEmailEmail(a: AccountEmailInput): EmailContent {
  return renderAccountLinkEmail(a, {
    subject: 'Confirm your email address for Porchlight',
    heading: 'Confirm your email address',
    introHtml: 'confirm this address so Porchlight can send you lead alerts and, if you ever need it, a password reset link.',
    introText: 'Confirm this address so Porchlight can send you lead alerts and, if you ever need it, a password reset link:',
    buttonLabel: 'Confirm email address',
    preheader: () => 'Confirm your email address to receive lead alerts.',
    ignoreNote: 'If you did not sign up for Porchlight, ignore this email: nothing happens without the link.',
  });
}

export function renderPasswordResetEmail(a: AccountEmailInput): EmailContent {
  return renderAccountLinkEmail(a, {
    subject: 'Reset your Porchlight password',
    heading: 'Reset your password',
    introHtml: 'someone (hopefully you) asked to reset the password of your Porchlight account.',
    introText: 'Someone (hopefully you) asked to reset the password of your Porchlight account. Choose a new password here:',
    buttonLabel: 'Choose a new password',
    preheader: (validFor) => `Reset link, valid for ${validFor}.`,
    ignoreNote: 'If you did not ask for this, ignore this email: your password stays as it is.',
  });
}

/**
 * Someone tried to sign up with an address that already has an account. Signup answers them
 * exactly as it answers a new address (docs/email.md, "Signup does not reveal accounts"); the
 * owner learns of it here, with the way back in if it was them.
 */
export function renderSignupAttemptEmail(a: { username: string; loginUrl: string; resetUrl: string }): EmailContent {
  const name = cleanHeaderText(a.username, 50) || 'there';
  const loginUrl = requireLink(a.loginUrl);
  const resetUrl = requireLink(a.resetUrl);
  const subject = 'Someone tried to sign up to Porchlight with your email address';
  const body = html`<h1 style="font-size:20px;margin:0 0 8px">You already have an account</h1>
<p style="margin:0 0 12px">Hi ${name}, someone just tried to create a Porchlight account with this email address. No new account was created and yours is unchanged.</p>
<p style="margin:0 0 12px">If it was you, log in instead — or reset your password if you forgot it.</p>
<p style="margin:16px 0">${button(loginUrl, 'Log in')}${button(resetUrl, 'Reset password')}</p>`;
  const text = [
    `Hi ${name},`,
    '',
    'Someone just tried to create a Porchlight account with this email address. No new account was created and yours is unchanged.',
    '',
    `If it was you, log in: ${loginUrl}`,
    `Forgot your password? ${resetUrl}`,
    '',
    'If it was not you, you can ignore this email.',
  ].join('\n');
  return {
    subject,
    html: renderHtmlDocument({ title: subject, preheader: 'No new account was created; yours is unchanged.', body, footer: html`If it was not you, you can ignore this email.` }),
    text,
    headers: accountHeaders(),
  };
}

/**
 * An address with its local part hidden but its first character: `n•••@example.com`. The notice
 * to the old address names the new one this way — enough for the owner to recognise their own
 * change, not a full address handed to whoever reads the old mailbox.
 */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '•••';
  return `${Array.from(address.slice(0, at))[0]}•••${address.slice(at)}`;
}

/** The link to the NEW address: signing in with it starts only once it is confirmed. */
export function renderEmailChangeEmail(a: AccountEmailInput & { newEmail: string }): EmailContent {
  return renderAccountLinkEmail(a, {
    subject: 'Confirm your new Porchlight sign-in email',
    heading: 'Confirm your new sign-in email',
    introHtml: `you asked to sign in to Porchlight with this address (${a.newEmail}) from now on. Confirm it to make the change.`,
    introText: `You asked to sign in to Porchlight with this address (${a.newEmail}) from now on. Confirm it to make the change:`,
    buttonLabel: 'Confirm new email',
    preheader: (validFor) => `Confirm the change of your sign-in email; the link works for ${validFor}.`,
    ignoreNote: 'If you did not ask for this, ignore this email: your account keeps its current address.',
  });
}

/** A notice without a link to act on (password or address changed): the wording; the layout is shared. */
function renderAccountNotice(username: string, copy: { subject: string; heading: string; preheader: string; lines: string[]; notYou: string; button?: { url: string; label: string } }): EmailContent {
  const name = cleanHeaderText(username, 50) || 'there';
  const link = copy.button ? { url: requireLink(copy.button.url), label: copy.button.label } : null;
  const body = html`<h1 style="font-size:20px;margin:0 0 8px">${copy.heading}</h1>
<p style="margin:0 0 12px">Hi ${name}, ${copy.lines[0]}</p>
${copy.lines.slice(1).map((line) => html`<p style="margin:0 0 12px">${line}</p>`)}
<p style="margin:0 0 12px">${copy.notYou}</p>
${link ? html`<p style="margin:16px 0">${button(link.url, link.label)}</p>` : ''}`;
  const text = [`Hi ${name},`, '', ...copy.lines, '', copy.notYou, ...(link ? [`${link.label}: ${link.url}`] : [])].join('\n');
  return {
    subject: copy.subject,
    html: renderHtmlDocument({ title: copy.subject, preheader: copy.preheader, body, footer: html`You get this email because it is about the security of your Porchlight account.` }),
    text,
    headers: accountHeaders(),
  };
}

/** To the OLD address once the change is confirmed: the new address, masked. */
export function renderEmailChangedEmail(a: { username: string; newEmail: string }): EmailContent {
  const masked = maskEmail(a.newEmail);
  return renderAccountNotice(a.username, {
    subject: 'Your Porchlight sign-in email was changed',
    heading: 'Your sign-in email was changed',
    preheader: `Your account now signs in with ${masked}.`,
    lines: [
      `the sign-in email of your Porchlight account was changed to ${masked}. This address no longer signs in, and account emails now go to the new one.`,
    ],
    notYou: 'If you did not make this change, someone who knows your password has taken over the account: ask your Porchlight administrator to restore your address, and change the password of any other account that uses the same one.',
  });
}

/** To the account's address after a password change while signed in. */
export function renderPasswordChangedEmail(a: { username: string; resetUrl: string }): EmailContent {
  return renderAccountNotice(a.username, {
    subject: 'Your Porchlight password was changed',
    heading: 'Your password was changed',
    preheader: 'Other browsers were signed out.',
    lines: ['the password of your Porchlight account was just changed. Every other browser signed in to the account was signed out.'],
    notYou: 'If you did not change it, reset your password now: the reset link goes to this address.',
    button: { url: a.resetUrl, label: 'Reset password' },
  });
}

/**
 * To the account's former address once the account is deleted (DELETE /v1/account): the address is
 * free for a new signup and the data is being erased. No link: nothing is left to sign in to.
 */
export function renderAccountDeletedEmail(a: { username: string }): EmailContent {
  return renderAccountNotice(a.username, {
    subject: 'Your Porchlight account was deleted',
    heading: 'Your account was deleted',
    preheader: 'Your leads, sites and settings are being erased.',
    lines: [
      'your Porchlight account was deleted. Every browser and API key was signed out, your sites stopped collecting and your webhooks stopped at once.',
      'Your leads, events, sites, reminders and settings are being erased now; nothing can be restored. This address can sign up again whenever you like.',
    ],
    notYou: 'If you did not delete it, someone who knew your password did: the data cannot be recovered, but change the password of any other account that uses the same one.',
  });
}
