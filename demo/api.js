// The API reference, built when the page loads from custom-elements.json (the manifest the
// package ships, written by `npm run analyze` from the element's JSDoc): nothing here is copied
// by hand, so it cannot fall behind the element.
const root = document.getElementById('api');

/** Text with `code` spans, as DOM nodes (no innerHTML: the page runs under a strict CSP). */
function prose(text = '') {
  const parts = String(text).replace(/\*\*/g, '').split('`');
  return parts.map((part, i) => {
    if (i % 2 === 0) return document.createTextNode(part);
    const code = document.createElement('code');
    code.textContent = part;
    return code;
  });
}
function code(text) {
  const el = document.createElement('code');
  el.textContent = text;
  return el;
}
function cell(tag, content) {
  const el = document.createElement(tag);
  if (content == null || content === '') el.textContent = '—';
  else if (Array.isArray(content)) el.append(...content);
  else if (content instanceof Node) el.append(content);
  else el.append(...prose(content));
  return el;
}
/** A titled table; rows are arrays of cell contents (strings are prose, Nodes as they are). */
function table(id, title, headings, rows) {
  const section = document.createElement('section');
  section.id = id;
  const h2 = document.createElement('h2');
  h2.textContent = `${title} (${rows.length})`;
  const el = document.createElement('table');
  const head = el.createTHead().insertRow();
  for (const heading of headings) head.append(cell('th', heading));
  const body = el.createTBody();
  for (const row of rows) {
    const tr = body.insertRow();
    for (const content of row) tr.append(cell('td', content));
  }
  section.append(h2, el);
  return section;
}
const typeOf = (item) => (item.type?.text ? code(item.type.text.replace(/\s+/g, ' ')) : '');
const defaultOf = (item) => (item.default != null ? code(item.default) : '');

async function main() {
  const response = await fetch(new URL('../custom-elements.json', import.meta.url));
  if (!response.ok) throw new Error(`custom-elements.json: HTTP ${response.status}`);
  const manifest = await response.json();
  const mod = manifest.modules.find((m) => m.declarations?.some((d) => d.tagName === 'rerun-video'));
  if (!mod) throw new Error('custom-elements.json declares no <rerun-video>');
  const element = mod.declarations.find((d) => d.tagName === 'rerun-video');

  const summary = document.getElementById('summary');
  summary.replaceChildren(
    ...prose(element.summary ?? ''),
    document.createTextNode(' '),
    ...prose(`Class \`${element.name}\` in \`${mod.path}\`, read from \`custom-elements.json\` when this page loaded.`),
  );

  const members = element.members.filter(
    (m) => m.privacy !== 'private' && m.privacy !== 'protected' && !m.static && !/^(add|remove)EventListener$/.test(m.name),
  );
  const fields = new Map(members.filter((m) => m.kind === 'field').map((m) => [m.name, m]));
  const withAttribute = new Set(element.attributes.map((a) => a.fieldName));

  const sections = [
    table(
      'attributes',
      'Attributes',
      ['attribute', 'property', 'type', 'default', 'meaning'],
      element.attributes.map((a) => [code(a.name), a.fieldName ? code(a.fieldName) : '', typeOf(a), defaultOf(a), a.description ?? fields.get(a.fieldName)?.description]),
    ),
    table(
      'properties',
      'Properties without an attribute',
      ['property', 'type', 'access', 'meaning'],
      members
        .filter((m) => m.kind === 'field' && !withAttribute.has(m.name))
        .map((m) => [code(m.name), typeOf(m), m.readonly ? 'read-only' : 'read/write', m.description]),
    ),
    table(
      'methods',
      'Methods',
      ['method', 'returns', 'meaning'],
      members
        .filter((m) => m.kind === 'method')
        .map((m) => [
          code(`${m.name}(${(m.parameters ?? []).map((p) => `${p.name}${p.optional || p.default != null ? '?' : ''}`).join(', ')})`),
          m.return?.type?.text ? code(m.return.type.text) : '',
          m.description,
        ]),
    ),
    table(
      'events',
      'Events',
      ['event', 'meaning'],
      (element.events ?? []).map((e) => [code(e.name), e.description]),
    ),
    table('css-parts', 'CSS parts', ['part', 'what'], (element.cssParts ?? []).map((p) => [code(`::part(${p.name})`), p.description])),
    table(
      'css-properties',
      'CSS custom properties',
      ['property', 'default', 'what'],
      (element.cssProperties ?? []).map((p) => [code(p.name), defaultOf(p), p.description]),
    ),
    table('slots', 'Slots', ['slot', 'what'], (element.slots ?? []).map((s) => [code(s.name ? `slot="${s.name}"` : '(default)'), s.description])),
  ];
  root.replaceChildren(...sections);
  root.dataset.ready = 'true';
}

main().catch((error) => {
  root.textContent = `Could not build the API tables: ${error.message}`;
  root.dataset.error = 'true';
});
