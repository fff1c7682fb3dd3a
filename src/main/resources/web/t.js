/* Leadflow tracking snippet: inert until the site calls leadflow('consent', true) from its cookie banner, on every
   page where the visitor agreed. Records page views (address without query or fragment) under a random id kept in
   the site's own localStorage; a visitor becomes known by clicking a tracked link in one of our emails.
   leadflow('consent', false) forgets everything this script stored. No cookies, no dependencies. */
(function (window, document) {
  'use strict';
  var config = /*CONFIG*/{}/*CONFIG*/;
  var script = document.currentScript;
  var base = script ? new URL(script.src, location.href).href.replace(/\/t\.js(\?.*)?$/, '') : '';
  var K_ID = 'leadflow.aid', K_VISITOR = 'leadflow.visitor';
  var consented = false, pendingVisitor = null, sentFor = null;
  var queued = (window.leadflow && window.leadflow.q) || [];

  function optedOut() {
    var gpc = config.honourGlobalPrivacyControl && navigator.globalPrivacyControl === true;
    var dnt = config.honourDoNotTrack && (navigator.doNotTrack === '1' || window.doNotTrack === '1');
    return gpc || dnt;
  }
  function get(k) { try { return window.localStorage.getItem(k); } catch (e) { return null; } }
  function set(k, v) { try { window.localStorage.setItem(k, v); } catch (e) { /* storage off: stay anonymous */ } }
  function del(k) { try { window.localStorage.removeItem(k); } catch (e) { /* nothing stored */ } }
  function randomId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  function state(extra) {
    var detail = {consent: consented, optedOut: optedOut(), known: !!(consented && get(K_VISITOR))};
    for (var k in extra || {}) { detail[k] = extra[k]; }
    document.dispatchEvent(new CustomEvent('leadflow:state', {detail: detail}));
  }
  /* a tracked email link carries the visitor token after '#', which never reaches a server: take it, clean the URL */
  function tokenFromLink() {
    var m = location.hash.match(/(?:^#|&)lf_v=([A-Za-z0-9._-]+)/);
    if (!m) { return; }
    pendingVisitor = m[1];
    /* for the embedded form on this page, which may ask its questions before the banner's answer: memory only */
    window.leadflowLinkVisitor = m[1];
    var rest = location.hash.replace(/(^#|&)lf_v=[A-Za-z0-9._-]+/, '$1').replace(/^#&?$/, '');
    if (window.history && history.replaceState) {
      history.replaceState(history.state, '', location.pathname + location.search + (rest === '#' ? '' : rest));
    }
  }
  function pageView() {
    if (!consented || optedOut()) { return; }
    if (pendingVisitor) { set(K_VISITOR, pendingVisitor); pendingVisitor = null; }
    var url = location.origin + location.pathname;
    var visitor = get(K_VISITOR);
    if (sentFor === url + '|' + visitor) { return; }
    sentFor = url + '|' + visitor;
    var body = {anonymousId: get(K_ID), url: url};
    if (visitor) { body.visitor = visitor; }
    fetch(base + '/t/collect', {method: 'POST', mode: 'cors', credentials: 'omit', keepalive: true,
      headers: {'Content-Type': 'text/plain'}, body: JSON.stringify(body)})
      .then(function (r) { state({sent: url, status: r.status}); })
      .catch(function () { state({sent: url, status: 0}); });
  }
  var commands = {
    consent: function (granted) {
      if (granted === true && !optedOut()) {
        consented = true;
        if (!get(K_ID)) { set(K_ID, randomId()); }
        state();
        pageView();
      } else {
        consented = false;
        pendingVisitor = null;
        del(K_ID); del(K_VISITOR);
        state();
      }
    },
    identify: function (token) {
      if (typeof token !== 'string' || !/^[A-Za-z0-9._-]{1,200}$/.test(token)) { return; }
      pendingVisitor = token;
      pageView();
    },
    page: function () { pageView(); }
  };
  window.leadflow = function (name) {
    var command = commands[name];
    if (command) { command.apply(null, Array.prototype.slice.call(arguments, 1)); }
  };
  tokenFromLink();
  state();
  for (var i = 0; i < queued.length; i++) { window.leadflow.apply(null, queued[i]); }
})(window, document);
