// The example listing site's own code — what a realtor's website would have anyway: the listing
// pages, a tiny client-side router (history.pushState / popstate), the photo tour, the mortgage
// calculator, saved homes and a price-alert signup. Porchlight is wired in only through the
// script tag in index.html, `data-porchlight-*` attributes and the documented porchlight()
// command queue; the site keeps working when w.js is blocked.
(() => {
  // The command queue: calls made before w.js has loaded wait in porchlight.q and run when it does.
  window.porchlight =
    window.porchlight ||
    function porchlightStub() {
      window.porchlight.q = window.porchlight.q || [];
      // biome-ignore lint/complexity/noArguments: the tracker replays these arguments objects
      window.porchlight.q.push(arguments);
    };

  const AGENT = { name: 'Maya Brooks', initials: 'MB', phone: '(555) 010-0142', tel: '+15550100142' };

  const LISTINGS = {
    'oak-12': {
      id: 'oak-12',
      street: '12 Oak Street',
      city: 'Springfield, IL 62704',
      price: 485000,
      beds: 4,
      baths: 2.5,
      sqft: 2150,
      status: 'For sale',
      listed: 'Listed 6 days ago',
      palette: { siding: '#f4efe6', roof: '#5b6770', door: '#2f5d50', wall: '#efe8dc', accent: '#2f5d50', sofa: '#8d99ae', rug: '#d6c7b0', cabinet: '#f8f6f1' },
      about: [
        'A light-filled colonial on a quiet, tree-lined street, two blocks from Lincoln Park and the elementary school. The main floor opens from a covered porch into a living room with a wood-burning fireplace and wide oak floors.',
        'The kitchen was renovated in 2022: quartz counters, a six-seat island, a gas range and a walk-in pantry. Upstairs, the primary suite has a walk-in closet and a double-vanity bath; three more bedrooms share a full bath. The fenced backyard has a stone patio and a mature maple.',
      ],
      facts: [
        ['Type', 'Single-family home'],
        ['Year built', '1998'],
        ['Lot', '0.24 acres'],
        ['Parking', '2-car attached garage'],
        ['Heating & cooling', 'Gas forced air, central A/C'],
        ['Property tax', '$7,120 / year'],
        ['HOA', 'None'],
      ],
      features: ['Renovated kitchen (2022)', 'Wood-burning fireplace', 'Finished basement', 'Fenced backyard', 'New roof (2019)', 'Walk to schools and park'],
      nearby: 'maple-7',
    },
    'maple-7': {
      id: 'maple-7',
      street: '7 Maple Avenue',
      city: 'Springfield, IL 62704',
      price: 362500,
      beds: 3,
      baths: 2,
      sqft: 1640,
      status: 'For sale',
      listed: 'Listed 2 days ago',
      palette: { siding: '#9fb4c7', roof: '#6d4c41', door: '#b23a48', wall: '#f3ede4', accent: '#b23a48', sofa: '#c9ada7', rug: '#e0d5c1', cabinet: '#dfe7ec' },
      about: [
        'A 1954 brick bungalow, fully renovated in 2021 without losing its charm: coved ceilings, original built-ins and a sunny breakfast nook. New windows, electrical and plumbing throughout.',
        'Three bedrooms on one level, an updated hall bath and a second bath in the finished lower level. The deep backyard has raised garden beds and a detached one-car garage off the alley.',
      ],
      facts: [
        ['Type', 'Bungalow'],
        ['Year built', '1954 (renovated 2021)'],
        ['Lot', '0.18 acres'],
        ['Parking', '1-car detached garage'],
        ['Heating & cooling', 'High-efficiency furnace, central A/C'],
        ['Property tax', '$5,340 / year'],
        ['HOA', 'None'],
      ],
      features: ['Renovated 2021', 'Original built-ins', 'Breakfast nook', 'Raised garden beds', 'New windows and electrical', 'Quiet one-way street'],
      nearby: 'oak-12',
    },
  };

  const ROOMS = [
    ['exterior', 'Front'],
    ['living', 'Living room'],
    ['kitchen', 'Kitchen'],
    ['bedroom', 'Primary bedroom'],
    ['backyard', 'Backyard'],
  ];
  const DEFAULT_RATE_PERCENT = 6.5;
  const DEFAULT_DOWN_FRACTION = 0.2;
  const SAVED_KEY = 'hearth_saved_homes';

  const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
  const count = new Intl.NumberFormat('en-US');
  const $ = (selector, root = document) => root.querySelector(selector);

  /** Monthly principal and interest of a fixed-rate loan (0 % interest: the loan split evenly). */
  const monthlyPayment = (loan, ratePercent, years) => {
    const n = years * 12;
    const r = ratePercent / 100 / 12;
    return r === 0 ? loan / n : (loan * r) / (1 - (1 + r) ** -n);
  };

  const savedHomes = () => {
    try {
      return JSON.parse(localStorage.getItem(SAVED_KEY)) || [];
    } catch {
      return [];
    }
  };
  const setSavedHomes = (ids) => {
    try {
      localStorage.setItem(SAVED_KEY, JSON.stringify(ids));
    } catch {
      // storage blocked: saving lasts for this page only
    }
  };

  /** The listing a path shows: / and /listings/<id>; undefined for an unknown listing. */
  const listingForPath = (path) => {
    if (path === '/' || path === '/index.html') return LISTINGS['oak-12'];
    const match = /^\/listings\/([a-z0-9-]+)\/?$/.exec(path);
    return match ? LISTINGS[match[1]] : undefined;
  };

  const stats = (l) => `<li><strong>${l.beds}</strong> beds</li><li><strong>${l.baths}</strong> baths</li><li><strong>${count.format(l.sqft)}</strong> sq ft</li>`;

  const renderListing = (l) => {
    const other = LISTINGS[l.nearby];
    const down = Math.round(l.price * DEFAULT_DOWN_FRACTION);
    return `
      <nav class="crumbs" aria-label="Breadcrumb"><a href="/" data-route>Homes for sale</a><span aria-hidden="true">›</span>Springfield, IL<span aria-hidden="true">›</span><span aria-current="page">${l.street}</span></nav>
      <section class="gallery" aria-label="Photo tour">
        <figure class="gallery-main">
          <div class="photo" id="main-photo">${window.listingPhoto('exterior', l.palette, `${l.street}: front`)}</div>
          <span class="badge">${l.status}</span>
          <figcaption id="photo-caption">Front · 1 of ${ROOMS.length}</figcaption>
        </figure>
        <div class="thumbs" role="group" aria-label="Rooms">
          ${ROOMS.map(
            ([room, name], i) =>
              `<button type="button" class="thumb" data-room="${room}" aria-pressed="${i === 0}">${window.listingPhoto(room, l.palette, '')}<span>${name}</span></button>`,
          ).join('')}
        </div>
      </section>
      <div class="layout">
        <article class="details">
          <header class="summary">
            <div>
              <p class="price">${money.format(l.price)}</p>
              <h1 tabindex="-1">${l.street}</h1>
              <p class="address">${l.city} · <span class="listed">${l.listed}</span></p>
              <ul class="stats">${stats(l)}</ul>
            </div>
            <div class="actions">
              <button type="button" class="btn btn-outline save" data-porchlight-event="save_listing" aria-pressed="false"></button>
              <button type="button" class="btn btn-primary showing" data-porchlight-event="showing_request">Schedule a showing</button>
            </div>
          </header>
          <section class="block">
            <h2>About this home</h2>
            ${l.about.map((p) => `<p>${p}</p>`).join('')}
          </section>
          <section class="block">
            <h2>Facts and features</h2>
            <dl class="facts">${l.facts.map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`).join('')}</dl>
            <ul class="features">${l.features.map((f) => `<li>${f}</li>`).join('')}</ul>
          </section>
          <section class="block calculator" aria-labelledby="calc-title">
            <h2 id="calc-title">Mortgage calculator</h2>
            <div class="calc-grid">
              <form id="mortgage-form" novalidate>
                <label>Home price ($)<input name="price" type="number" inputmode="numeric" min="0" step="1000" value="${l.price}" required></label>
                <label>Down payment ($)<input name="down" type="number" inputmode="numeric" min="0" step="1000" value="${down}" aria-describedby="down-percent" required><small id="down-percent"></small></label>
                <label>Interest rate (%)<input name="rate" type="number" inputmode="decimal" min="0" max="25" step="0.01" value="${DEFAULT_RATE_PERCENT}" required></label>
                <label>Loan term<select name="term"><option value="30">30 years</option><option value="20">20 years</option><option value="15">15 years</option><option value="10">10 years</option></select></label>
                <button type="submit" class="btn btn-primary" data-porchlight-event="mortgage_calculator">Calculate</button>
              </form>
              <div class="calc-result" aria-live="polite">
                <p class="calc-label">Estimated monthly payment</p>
                <output id="monthly-payment" form="mortgage-form"></output>
                <p class="calc-note" id="calc-note"></p>
              </div>
            </div>
          </section>
          <section class="block">
            <h2>More homes nearby</h2>
            <a class="nearby" href="/listings/${other.id}" data-route>
              <span class="nearby-photo">${window.listingPhoto('exterior', other.palette, '')}</span>
              <span class="nearby-text"><strong>${money.format(other.price)}</strong><span class="nearby-street">${other.street}</span><span>${other.beds} bd · ${other.baths} ba · ${count.format(other.sqft)} sq ft</span></span>
            </a>
          </section>
        </article>
        <aside class="sidebar">
          <section class="card contact" id="contact" aria-label="Contact the agent">
            <div class="agent"><span class="avatar" aria-hidden="true">${AGENT.initials}</span><div><strong>${AGENT.name}</strong><span>Listing agent · Hearth &amp; Co.</span></div></div>
            <p class="showing-note" id="showing-note" tabindex="-1" hidden><strong>Request a showing:</strong> tell ${AGENT.name.split(' ')[0]} which days suit you in the message below — she confirms showings within the hour.</p>
            <div data-porchlight-form data-listing="${l.id}"></div>
            <p class="call">Or call <a href="tel:${AGENT.tel}">${AGENT.phone}</a></p>
          </section>
          <section class="card alerts" aria-labelledby="alerts-title">
            <h2 id="alerts-title">Price-drop alerts</h2>
            <p>Get an email when the price of ${l.street} changes.</p>
            <form id="alert-form" novalidate>
              <label for="alert-email">Email</label>
              <div class="inline"><input id="alert-email" name="email" type="email" autocomplete="email" required><button type="submit" class="btn btn-outline">Notify me</button></div>
              <p class="form-status" id="alert-status" role="status"></p>
            </form>
          </section>
        </aside>
      </div>`;
  };

  const renderNotFound = () => `
      <section class="not-found">
        <h1 tabindex="-1">We couldn’t find that home</h1>
        <p>It may have sold or been taken off the market.</p>
        <p><a class="btn btn-primary" href="/" data-route>See homes for sale</a></p>
      </section>`;

  const main = () => $('#listing');

  const updateSavedCount = () => {
    const n = savedHomes().length;
    $('#saved-count').textContent = n ? String(n) : '';
  };

  const showSaved = (listingId) => {
    const button = $('.save', main());
    if (!button) return;
    const saved = savedHomes().includes(listingId);
    button.setAttribute('aria-pressed', String(saved));
    button.textContent = saved ? '♥ Saved' : '♡ Save';
    updateSavedCount();
  };

  const calculate = () => {
    const form = $('#mortgage-form');
    const price = form.price.valueAsNumber;
    const down = form.down.valueAsNumber;
    const rate = form.rate.valueAsNumber;
    const years = Number(form.term.value);
    const output = $('#monthly-payment');
    const note = $('#calc-note');
    $('#down-percent').textContent = price > 0 && down >= 0 ? `${Math.round((down / price) * 100)}% of the price` : '';
    let problem = '';
    if (!(price > 0)) problem = 'Enter the home price.';
    else if (!(down >= 0) || down >= price) problem = 'The down payment must be less than the price.';
    else if (!(rate >= 0 && rate <= 25)) problem = 'Enter an interest rate between 0 and 25 %.';
    if (problem) {
      output.textContent = '—';
      note.textContent = problem;
      note.classList.add('error');
      return;
    }
    const loan = price - down;
    const monthly = monthlyPayment(loan, rate, years);
    output.textContent = money.format(monthly);
    note.classList.remove('error');
    note.textContent = `Principal and interest on a ${money.format(loan)} loan over ${years} years (${money.format(monthly * years * 12 - loan)} total interest). Taxes and insurance not included.`;
  };

  const showRoom = (l, button) => {
    const room = button.dataset.room;
    const index = ROOMS.findIndex(([r]) => r === room);
    for (const b of main().querySelectorAll('.thumb')) b.setAttribute('aria-pressed', String(b === button));
    $('#main-photo').innerHTML = window.listingPhoto(room, l.palette, `${l.street}: ${ROOMS[index][1].toLowerCase()}`);
    $('#photo-caption').textContent = `${ROOMS[index][1]} · ${index + 1} of ${ROOMS.length}`;
    window.porchlight('track', 'virtual_tour', { room });
  };

  const wireListing = (l) => {
    const root = main();
    showSaved(l.id);
    calculate();
    $('#mortgage-form').addEventListener('submit', (e) => {
      e.preventDefault();
      calculate();
    });
    $('#mortgage-form').addEventListener('input', () => {
      const form = $('#mortgage-form');
      $('#down-percent').textContent =
        form.price.valueAsNumber > 0 && form.down.valueAsNumber >= 0 ? `${Math.round((form.down.valueAsNumber / form.price.valueAsNumber) * 100)}% of the price` : '';
    });
    for (const thumb of root.querySelectorAll('.thumb')) thumb.addEventListener('click', () => showRoom(l, thumb));
    $('.save', root).addEventListener('click', () => {
      const saved = savedHomes();
      setSavedHomes(saved.includes(l.id) ? saved.filter((id) => id !== l.id) : [...saved, l.id]);
      showSaved(l.id);
    });
    $('.showing', root).addEventListener('click', () => {
      const note = $('#showing-note');
      note.hidden = false;
      $('#contact').scrollIntoView({ behavior: 'smooth', block: 'start' });
      note.focus({ preventScroll: true });
    });
    $('#alert-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const input = $('#alert-email');
      const status = $('#alert-status');
      const email = input.value.trim();
      if (!input.checkValidity() || !email) {
        status.textContent = 'Enter a valid email address.';
        status.classList.add('error');
        input.setAttribute('aria-invalid', 'true');
        input.focus();
        return;
      }
      input.removeAttribute('aria-invalid');
      status.classList.remove('error');
      // The site's own form tells Porchlight who this visitor is: their browsing becomes a lead.
      window.porchlight('identify', { email });
      status.textContent = `Thanks — we’ll email ${email} if the price changes.`;
      e.target.reset();
    });
  };

  /** Renders the page for the current URL. */
  const render = () => {
    const l = listingForPath(location.pathname);
    const root = main();
    if (l) {
      root.setAttribute('data-porchlight-listing', l.id);
      root.innerHTML = renderListing(l);
      document.title = `${l.street}, Springfield, IL — ${money.format(l.price)} | Hearth & Co. Realty`;
      wireListing(l);
    } else {
      root.removeAttribute('data-porchlight-listing');
      root.innerHTML = renderNotFound();
      document.title = 'Home not found | Hearth & Co. Realty';
      updateSavedCount();
    }
  };

  const navigate = (path) => {
    if (path !== location.pathname) history.pushState(null, '', path);
    render();
    window.scrollTo(0, 0);
    $('h1', main())?.focus({ preventScroll: true });
  };

  document.addEventListener('click', (e) => {
    const link = e.target.closest?.('a[data-route]');
    if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const url = new URL(link.href);
    if (url.origin !== location.origin) return;
    e.preventDefault();
    navigate(url.pathname);
  });
  addEventListener('popstate', () => {
    render();
    $('h1', main())?.focus({ preventScroll: true });
  });

  render();
})();
