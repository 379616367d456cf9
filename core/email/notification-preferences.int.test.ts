import { describe, expect, it } from 'vitest';
import { insertTestUser, useTestOrm } from '#test/db.ts';
import { ALERT_KINDS } from './alert-kinds.ts';
import {
  buildUnsubscribeUrl,
  getNotificationPreferences,
  isAlertEnabled,
  nextAlertSendTime,
  toNotificationPreferencesJson,
  unsubscribeFromAlert,
  updateNotificationPreferences,
} from './notification-preferences.ts';
import { DEFAULT_NOTIFICATION_PREFERENCES } from './notification-preferences.entity.ts';
import { ZNotificationPreferences, ZNotificationPreferencesPatch } from './notification-preferences-schemas.ts';

const t = useTestOrm({ ormPoolMax: 4 });

describe('notification preferences', () => {
  it('start with the defaults for a US realtor on first read, and keep their unsubscribe token', async () => {
    const userId = await insertTestUser(t.orm);
    const prefs = await getNotificationPreferences({ em: t.orm.em.fork(), userId });
    expect(toNotificationPreferencesJson(prefs)).toMatchObject({
      alertNewInquiry: true, alertLeadHot: true, alertReminderDue: true, alertEndpointDisabled: true, alertDigest: false,
      quietHoursEnabled: false, quietStart: '21:00', quietEnd: '07:00', digestHour: 7, timeZone: 'America/New_York',
    });
    expect(prefs.unsubscribeToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = await getNotificationPreferences({ em: t.orm.em.fork(), userId });
    expect(again.unsubscribeToken).toBe(prefs.unsubscribeToken);
    // The answer matches the API schema, and never carries the unsubscribe token.
    const json = ZNotificationPreferences.parse(toNotificationPreferencesJson(again));
    expect(JSON.stringify(json)).not.toContain(prefs.unsubscribeToken);
  });

  it('survive two first reads at once (one row, no error)', async () => {
    const userId = await insertTestUser(t.orm);
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => getNotificationPreferences({ em: t.orm.em.fork(), userId })));
    expect(new Set([a.unsubscribeToken, b.unsubscribeToken, c.unsubscribeToken]).size).toBe(1);
    const { rows } = await t.pool.query('select count(*)::int as n from notification_preferences where user_id = $1', [userId]);
    expect(rows[0].n).toBe(1);
  });

  it('apply a validated patch and keep the other settings', async () => {
    const userId = await insertTestUser(t.orm);
    const patch = ZNotificationPreferencesPatch.parse({ quietHoursEnabled: true, quietStart: '22:30', timeZone: 'america/los_angeles', alertDigest: true, digestHour: 6 });
    const now = new Date('2026-03-10T12:00:00Z');
    await updateNotificationPreferences({ em: t.orm.em.fork(), userId, patch, now });
    const prefs = await getNotificationPreferences({ em: t.orm.em.fork(), userId });
    expect(toNotificationPreferencesJson(prefs)).toMatchObject({
      quietHoursEnabled: true, quietStart: '22:30', quietEnd: '07:00', timeZone: 'America/Los_Angeles', alertDigest: true, digestHour: 6,
      alertNewInquiry: true, updatedAt: now.toISOString(),
    });
  });

  it.each(ALERT_KINDS)('one-click unsubscribe switches off %s alerts only, and is idempotent', async (alert) => {
    const userId = await insertTestUser(t.orm);
    const prefs = await getNotificationPreferences({ em: t.orm.em.fork(), userId });
    // The digest starts off: switch everything on first so each case has something to switch off.
    await updateNotificationPreferences({ em: t.orm.em.fork(), userId, patch: { alertDigest: true } });
    for (let i = 0; i < 2; i++) {
      expect(await unsubscribeFromAlert({ em: t.orm.em.fork(), token: prefs.unsubscribeToken, alert })).toEqual({ userId, alert });
    }
    const after = await getNotificationPreferences({ em: t.orm.em.fork(), userId });
    for (const kind of ALERT_KINDS) expect(isAlertEnabled(after, kind), kind).toBe(kind !== alert);
  });

  it.each(['', 'no-such-token', 'x'.repeat(500)])('refuse an unsubscribe token like %j as invalid', async (token) => {
    await expect(unsubscribeFromAlert({ em: t.orm.em.fork(), token, alert: 'lead_hot' })).rejects.toMatchObject({ code: 'token_invalid', status: 400 });
  });

  it('are deleted with their user', async () => {
    const userId = await insertTestUser(t.orm);
    await getNotificationPreferences({ em: t.orm.em.fork(), userId });
    await t.pool.query('delete from users where user_id = $1', [userId]);
    const { rows } = await t.pool.query('select count(*)::int as n from notification_preferences where user_id = $1', [userId]);
    expect(rows[0].n).toBe(0);
  });
});

describe('when an alert may go out', () => {
  const base = { ...DEFAULT_NOTIFICATION_PREFERENCES };
  const tenPm = new Date('2026-01-15T03:00:00Z'); // 22:00 in New York

  it('is now while quiet hours are off, and when they end once they are on', () => {
    expect(nextAlertSendTime(tenPm, base)).toEqual(tenPm);
    expect(nextAlertSendTime(tenPm, { ...base, quietHoursEnabled: true }).toISOString()).toBe('2026-01-15T12:00:00.000Z');
    expect(nextAlertSendTime(tenPm, { ...base, quietHoursEnabled: true, timeZone: 'America/Los_Angeles' })).toEqual(tenPm);
  });
});

describe('ZNotificationPreferencesPatch', () => {
  it.each([
    [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone', 'Unknown time zone: use an IANA name such as America/New_York'],
    [{ quietStart: '9pm' }, 'quietStart', 'Use a 24-hour time such as 21:00'],
    [{ quietEnd: '24:00' }, 'quietEnd', 'Use a 24-hour time such as 21:00'],
    [{ digestHour: 24 }, 'digestHour', 'Use an hour from 0 to 23'],
    [{ digestHour: 6.5 }, 'digestHour', 'Use a whole hour'],
    [{ alertLeadHot: 'yes' }, 'alertLeadHot', undefined],
    [{ unsubscribeToken: 'mine' }, '', undefined],
    [{}, '', 'Change at least one setting'],
  ])('refuses %j with one issue at %j', (input, path, message) => {
    const result = ZNotificationPreferencesPatch.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toHaveLength(1);
    expect(result.error?.issues[0].path.join('.')).toBe(path);
    if (message) expect(result.error?.issues[0].message).toBe(message);
  });

  it('accepts any subset of the settings', () => {
    expect(ZNotificationPreferencesPatch.parse({ alertNewInquiry: false })).toEqual({ alertNewInquiry: false });
    expect(ZNotificationPreferencesPatch.parse({ quietStart: '00:00', quietEnd: '23:59', digestHour: 0 })).toEqual({ quietStart: '00:00', quietEnd: '23:59', digestHour: 0 });
  });
});

describe('unsubscribe URL', () => {
  it('names the token and the alert under PUBLIC_URL', () => {
    expect(buildUnsubscribeUrl('https://leads.example.com/', 'a b', 'lead_hot')).toBe('https://leads.example.com/v1/unsubscribe/a%20b?alert=lead_hot');
  });
});
