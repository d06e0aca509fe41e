/*! SSOJet login widget loader.
 *
 *   <div id="ssojet-login"></div>
 *   <script src="https://AUTH_HOST/widget/ssojet.js" data-client-id="YOUR_CLIENT_ID" async></script>
 *
 * or SSOJet.mount(element, {clientId, apiBase?, locale?, popup?, redirectUri?, onLogin?, onError?}) -> Promise,
 * or <ssojet-login client-id="YOUR_CLIENT_ID"></ssojet-login>.
 * Results: "ssojet:login" / "ssojet:error" DOM events on the container (bubbling, composed).
 * Loads widget.js, widget_bg.wasm and ssojet.css from the folder this file is served from.
 * No inline scripts or styles: works under script-src 'self' 'wasm-unsafe-eval'.
 */
(function () {
  "use strict";
  if (window.SSOJet && window.SSOJet.mount) return; // loaded twice

  var script = document.currentScript;
  var src = (script && script.src) || new URL("/widget/ssojet.js", location.href).href;
  var base = new URL(".", src).href;
  var scriptOrigin = new URL(src).origin;
  var mounts = new WeakMap(); // element -> Promise of its mount
  var ready = null;

  function addStylesheet() {
    var href = base + "ssojet.css";
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      if (links[i].href === href) return;
    }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    (document.head || document.documentElement).appendChild(link);
  }

  // Fetches and starts the wasm once; every mount waits for it.
  function load() {
    if (!ready) {
      ready = import(base + "widget.js").then(function (bindings) {
        return bindings.default({ module_or_path: base + "widget_bg.wasm" }).then(function () {
          return bindings;
        });
      });
      ready.catch(function () {
        ready = null; // a later mount may try again
      });
    }
    return ready;
  }

  function mount(element, options) {
    if (!element || element.nodeType !== 1) {
      return Promise.reject(new TypeError("SSOJet.mount(element, options): element must be a DOM element"));
    }
    var existing = mounts.get(element);
    if (existing) return existing;
    var mounting = load().then(function (bindings) {
      bindings.mount(element, options || {});
    });
    mounts.set(element, mounting);
    mounting.catch(function () {
      mounts.delete(element);
    });
    return mounting;
  }

  // Options from an element's attributes: `prefix + "client-id"`, "api-base", "locale",
  // "redirect-uri" and "popup" (present and not "false").
  function readOptions(element, prefix) {
    var attr = function (name) {
      return element.getAttribute(prefix + name);
    };
    var options = { clientId: attr("client-id") || "", apiBase: attr("api-base") || scriptOrigin };
    if (attr("locale")) options.locale = attr("locale");
    if (attr("redirect-uri")) options.redirectUri = attr("redirect-uri");
    var popup = attr("popup");
    if (popup !== null && popup !== "false") options.popup = true;
    return options;
  }

  function report(error) {
    if (window.console) console.error("SSOJet:", error);
  }

  window.SSOJet = { mount: mount, load: load };

  addStylesheet();
  load().catch(report);

  // <script ... data-client-id="..."> mounts into #ssojet-login.
  var clientId = script && script.getAttribute("data-client-id");
  if (clientId !== null && clientId !== undefined) {
    var autoMount = function () {
      var element = document.getElementById("ssojet-login");
      if (!element) {
        report('no element with id "ssojet-login" to mount into');
        return;
      }
      mount(element, readOptions(script, "data-")).catch(report);
    };
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", autoMount, { once: true });
    } else {
      autoMount();
    }
  }

  // <ssojet-login client-id="..." api-base="..." locale="..." popup> mounts into itself (light DOM).
  if (window.customElements && !window.customElements.get("ssojet-login")) {
    window.customElements.define(
      "ssojet-login",
      class extends HTMLElement {
        connectedCallback() {
          mount(this, readOptions(this, "")).catch(report);
        }
      }
    );
  }
})();
