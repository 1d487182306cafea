// Every docs page runs under a strict Content-Security-Policy (its <meta> tag); this classic
// script, loaded first, records each violation (window.cspViolations, which test/docs.test.ts
// reads) and says in the page's footer how many there were. There should never be one.
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.cspViolations.push(`${event.violatedDirective}: ${event.blockedURI || 'inline'}`);
  show();
});

let footer;
function show() {
  if (!footer) return;
  const count = window.cspViolations.length;
  footer.textContent = `This page runs under the Content-Security-Policy “${
    document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? 'none'
  }”. Violations: ${count === 0 ? 'none' : window.cspViolations.join('; ')}.`;
}
document.addEventListener('DOMContentLoaded', () => {
  footer = document.createElement('footer');
  footer.className = 'csp';
  document.body.append(footer);
  show();
});
