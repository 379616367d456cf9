// Listing "photos" as inline SVG illustrations: the example has no network access and no binary
// images. listingPhoto(room, palette) returns the SVG markup for one room in a listing's colours.
(() => {
  // Gradient ids must be unique in the document: the same room shows as a thumbnail and full size.
  let ids = 0;
  const sky = (name) => {
    const id = `${name}-${++ids}`;
    return `<defs><linearGradient id="${id}" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#8ec5ea"/><stop offset="1" stop-color="#e4f1f8"/></linearGradient></defs><rect width="800" height="500" fill="url(#${id})"/>`;
  };

  const tree = (x, y, s, leaf) =>
    `<rect x="${x - 6 * s}" y="${y - 40 * s}" width="${12 * s}" height="${60 * s}" fill="#6b4f3a"/>` +
    `<circle cx="${x}" cy="${y - 70 * s}" r="${42 * s}" fill="${leaf}"/><circle cx="${x - 30 * s}" cy="${y - 45 * s}" r="${30 * s}" fill="${leaf}"/><circle cx="${x + 30 * s}" cy="${y - 48 * s}" r="${32 * s}" fill="${leaf}"/>`;

  const window4 = (x, y, w, h, frame, glass) =>
    `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${glass}" stroke="${frame}" stroke-width="6"/>` +
    `<path d="M${x + w / 2} ${y}V${y + h}M${x} ${y + h / 2}H${x + w}" stroke="${frame}" stroke-width="4"/>`;

  const scenes = {
    exterior: (p) =>
      sky('sky-ext') +
      `<rect y="360" width="800" height="140" fill="#7fb069"/>` +
      tree(110, 370, 1.3, '#4f8a4b') +
      tree(705, 372, 1.1, '#5c9a52') +
      `<polygon points="190,200 400,70 610,200" fill="${p.roof}"/>` +
      `<rect x="215" y="195" width="370" height="185" fill="${p.siding}"/>` +
      `<path d="M215 225H585M215 255H585M215 285H585M215 315H585M215 345H585" stroke="rgba(0,0,0,.06)" stroke-width="3"/>` +
      window4(250, 230, 80, 70, '#fff', '#b9d8ea') +
      window4(470, 230, 80, 70, '#fff', '#b9d8ea') +
      window4(365, 120, 70, 55, '#fff', '#b9d8ea') +
      `<rect x="370" y="290" width="60" height="90" fill="${p.door}"/><circle cx="418" cy="338" r="4" fill="#e9c46a"/>` +
      `<circle cx="445" cy="300" r="6" fill="#ffd166"/><circle cx="445" cy="300" r="14" fill="#ffd166" opacity=".3"/>` +
      `<polygon points="370,380 430,380 470,500 330,500" fill="#d8cfc0"/>` +
      `<ellipse cx="265" cy="382" rx="55" ry="18" fill="#3f7d3a"/><ellipse cx="535" cy="382" rx="55" ry="18" fill="#3f7d3a"/>`,
    living: (p) =>
      `<rect width="800" height="500" fill="${p.wall}"/>` +
      `<rect y="380" width="800" height="120" fill="#b08968"/><path d="M0 410H800M0 445H800M0 478H800" stroke="#9c7658" stroke-width="2"/>` +
      window4(470, 70, 240, 200, '#fff', '#cfe6f3') +
      `<rect x="110" y="90" width="150" height="105" fill="#fff"/><rect x="122" y="102" width="126" height="81" fill="${p.accent}"/><circle cx="215" cy="130" r="14" fill="#fff" opacity=".6"/>` +
      `<ellipse cx="330" cy="440" rx="260" ry="36" fill="${p.rug}"/>` +
      `<rect x="140" y="290" width="360" height="90" rx="18" fill="${p.sofa}"/><rect x="120" y="270" width="50" height="110" rx="18" fill="${p.sofa}"/><rect x="470" y="270" width="50" height="110" rx="18" fill="${p.sofa}"/>` +
      `<rect x="165" y="245" width="310" height="60" rx="14" fill="${p.sofa}" opacity=".85"/>` +
      `<rect x="200" y="262" width="60" height="45" rx="8" fill="${p.accent}"/><rect x="390" y="262" width="60" height="45" rx="8" fill="#f4e9d8"/>` +
      `<rect x="635" y="230" width="6" height="150" fill="#444"/><polygon points="605,230 671,230 655,185 621,185" fill="#f6e7c1"/>` +
      `<rect x="560" y="360" width="120" height="22" rx="4" fill="#6b4f3a"/>`,
    kitchen: (p) =>
      `<rect width="800" height="500" fill="${p.wall}"/>` +
      `<rect y="400" width="800" height="100" fill="#d9d4cc"/><path d="M100 400V500M200 400V500M300 400V500M400 400V500M500 400V500M600 400V500M700 400V500M0 450H800" stroke="#c7c1b7" stroke-width="2"/>` +
      `<rect x="40" y="40" width="720" height="120" fill="${p.cabinet}"/><path d="M160 40V160M280 40V160M520 40V160M640 40V160" stroke="rgba(0,0,0,.12)" stroke-width="3"/>` +
      window4(310, 50, 180, 110, '#fff', '#cfe6f3') +
      `<rect x="40" y="230" width="720" height="14" fill="#f1efe9"/><rect x="40" y="244" width="720" height="120" fill="${p.cabinet}"/>` +
      `<path d="M160 244V364M280 244V364M400 244V364M520 244V364M640 244V364" stroke="rgba(0,0,0,.12)" stroke-width="3"/>` +
      `<rect x="200" y="330" width="400" height="16" fill="#f7f5f0"/><rect x="215" y="346" width="370" height="104" fill="${p.accent}"/>` +
      `<path d="M300 0V210M500 0V210" stroke="#333" stroke-width="2"/><polygon points="280,210 320,210 312,190 288,190" fill="#e9c46a"/><polygon points="480,210 520,210 512,190 488,190" fill="#e9c46a"/>` +
      `<rect x="250" y="300" width="14" height="30" fill="#777"/><rect x="258" y="296" width="30" height="6" fill="#777"/>`,
    bedroom: (p) =>
      `<rect width="800" height="500" fill="${p.wall}"/>` +
      `<rect y="390" width="800" height="110" fill="#c9ad8f"/>` +
      window4(560, 80, 170, 170, '#fff', '#cfe6f3') +
      `<rect x="200" y="170" width="300" height="140" rx="16" fill="${p.accent}"/>` +
      `<rect x="180" y="290" width="340" height="110" rx="10" fill="#f6f3ee"/><rect x="180" y="330" width="340" height="70" rx="10" fill="${p.rug}"/>` +
      `<rect x="215" y="265" width="120" height="40" rx="14" fill="#fff"/><rect x="365" y="265" width="120" height="40" rx="14" fill="#fff"/>` +
      `<rect x="90" y="320" width="70" height="70" fill="#8a6a4f"/><rect x="540" y="320" width="70" height="70" fill="#8a6a4f"/>` +
      `<rect x="121" y="290" width="8" height="30" fill="#555"/><polygon points="105,290 145,290 137,262 113,262" fill="#f6e7c1"/>`,
    backyard: (p) =>
      sky('sky-yard') +
      `<rect y="250" width="800" height="250" fill="#8cc474"/>` +
      `<path d="M0 205H800M0 235H800" stroke="#c9a27e" stroke-width="10"/><path d="${Array.from({ length: 27 }, (_, i) => `M${i * 30 + 5} 190V260`).join('')}" stroke="#d8b48f" stroke-width="16"/>` +
      tree(640, 300, 1.5, '#4f8a4b') +
      `<polygon points="0,380 420,330 520,500 0,500" fill="#cdbfae"/>` +
      `<ellipse cx="230" cy="395" rx="80" ry="20" fill="${p.door}"/><rect x="226" y="270" width="8" height="125" fill="#555"/><polygon points="120,280 340,280 230,220" fill="${p.accent}"/>` +
      `<rect x="150" y="400" width="40" height="40" rx="6" fill="#6b4f3a"/><rect x="270" y="400" width="40" height="40" rx="6" fill="#6b4f3a"/>`,
  };

  /** SVG markup for `room` ("exterior", "living", "kitchen", "bedroom", "backyard") in `palette`'s colours. */
  window.listingPhoto = (room, palette, label) =>
    `<svg viewBox="0 0 800 500" role="img" aria-label="${label}" preserveAspectRatio="xMidYMid slice">${scenes[room](palette)}</svg>`;
})();
