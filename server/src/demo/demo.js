// Shows what a page receives when someone signs in. No inline script: the demo page runs
// under a strict Content-Security-Policy.
document.addEventListener("ssojet:login", (event) => {
  const { access_token, expires_at, user } = event.detail;
  window.__ssojetLogin = event.detail; // read by the end-to-end test
  document.getElementById("demo-user").textContent = user && user.email ? user.email : "(unknown)";
  document.getElementById("demo-expires").textContent = expires_at;
  document.getElementById("demo-token").textContent = access_token;
  document.getElementById("demo-result").hidden = false;
});
document.addEventListener("ssojet:error", (event) => {
  window.__ssojetLastError = event.detail;
});
