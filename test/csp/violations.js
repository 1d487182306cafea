// Records every Content-Security-Policy violation of the page, for test/lifecycle.test.ts.
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.cspViolations.push(`${event.violatedDirective}: ${event.blockedURI}`);
});
