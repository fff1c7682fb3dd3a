/* Leadflow embedded form. Paste <script src="https://<leadflow>/forms/<form id>/embed.js" async></script> where the
   form should appear (or give it data-target="#element-id"). No dependencies, no cookies. A visitor Leadflow knows
   (one who came from a link in our emails, once your site called leadflow('consent', true)) is asked for what we do
   not hold yet. A submission's answer is the same for every address: it names no lead. */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script) { return; }
  var src = new URL(script.src, location.href);
  var match = src.pathname.match(/^(.*)\/forms\/([^/]+)\/embed\.js$/);
  if (!match) { return; }
  var base = src.origin + match[1];
  var formId = decodeURIComponent(match[2]);
  var endpoint = base + '/forms/' + encodeURIComponent(formId);
  var host = script.getAttribute('data-target') && document.querySelector(script.getAttribute('data-target'));
  if (!host) {
    host = document.createElement('div');
    script.parentNode.insertBefore(host, script.nextSibling);
  }
  host.className = (host.className ? host.className + ' ' : '') + 'leadflow-form';
  host.setAttribute('data-leadflow-form', formId);

  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) { if (attrs[k] !== null && attrs[k] !== undefined) { e.setAttribute(k, attrs[k]); } }
    if (text) { e.textContent = text; }
    return e;
  }
  function visitorHeaders(json) {
    var h = {};
    if (json) { h['Content-Type'] = 'application/json'; }
    var visitor = stored('leadflow.visitor') || linkVisitor();
    if (visitor) { h['Leadflow-Visitor'] = visitor; }
    return h;
  }
  /* the token of the email link that brought the visitor here (#lf_v=…), whether or not t.js took it first */
  function linkVisitor() {
    if (window.leadflowLinkVisitor) { return window.leadflowLinkVisitor; }
    var m = location.hash.match(/(?:^#|&)lf_v=([A-Za-z0-9._-]+)/);
    return m ? m[1] : null;
  }

  function render(def) {
    host.innerHTML = '';
    var form = el('form', {novalidate: 'novalidate'});
    if (def.title) { form.appendChild(el('h3', {}, def.title)); }
    if (def.intro) { form.appendChild(el('p', {}, def.intro)); }
    def.fields.forEach(function (f) {
      var id = 'leadflow-' + formId + '-' + f.name;
      var label = el('label', {'for': id}, f.label + (f.required || f.name === 'email' ? ' *' : ''));
      var input = el('input', {id: id, name: f.name, type: f.type, maxlength: f.type === 'number' ? null : f.maxLength,
        min: f.type === 'number' ? '0' : null});
      if (f.required || f.name === 'email') { input.required = true; }
      var error = el('span', {'class': 'leadflow-error', 'data-error-for': f.name});
      var row = el('p', {'class': 'leadflow-field'});
      row.appendChild(label); row.appendChild(input); row.appendChild(error);
      form.appendChild(row);
    });
    var trap = el('input', {name: 'website', type: 'text', tabindex: '-1', autocomplete: 'off', 'aria-hidden': 'true',
      style: 'position:absolute;left:-10000px'});
    form.appendChild(trap);
    if (def.consentText) {
      var consent = el('label', {'class': 'leadflow-consent'});
      var box = el('input', {type: 'checkbox', name: 'leadflowConsent', required: 'required'});
      consent.appendChild(box); consent.appendChild(document.createTextNode(' ' + def.consentText));
      form.appendChild(consent);
    }
    var general = el('p', {'class': 'leadflow-error', 'data-error-for': ''});
    form.appendChild(general);
    form.appendChild(el('button', {type: 'submit'}, def.submit));
    if (def.known) {
      var forget = el('a', {href: '#', 'class': 'leadflow-not-you'}, def.language === 'fr' ? 'Pas vous ?' : 'Not you?');
      forget.addEventListener('click', function (e) {
        e.preventDefault();
        try { window.localStorage.removeItem('leadflow.visitor'); } catch (ignored) { /* storage off */ }
        load();
      });
      form.appendChild(forget);
    }
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      submit(form, def);
    });
    host.appendChild(form);
    host.dispatchEvent(new CustomEvent('leadflow:form-ready', {bubbles: true, detail: {formId: formId, known: def.known,
      fields: def.fields.map(function (f) { return f.name; })}}));
  }

  function submit(form, def) {
    var body = {source: 'embed:' + location.hostname};
    var errors = form.querySelectorAll('.leadflow-error');
    for (var i = 0; i < errors.length; i++) { errors[i].textContent = ''; }
    def.fields.forEach(function (f) {
      var v = form.elements[f.name].value;
      if (v !== '') { body[f.name] = v; }
    });
    body.website = form.elements.website.value;
    if (form.elements.leadflowConsent && !form.elements.leadflowConsent.checked) {
      form.querySelector('[data-error-for=""]').textContent = def.language === 'fr'
        ? 'Merci de cocher la case de consentement.' : 'Please tick the consent box.';
      return;
    }
    var params = new URLSearchParams(location.search);
    ['utm_source', 'utm_medium', 'utm_campaign'].forEach(function (p) {
      var v = params.get(p);
      if (v) { body[p.replace(/_(\w)/, function (m, c) { return c.toUpperCase(); })] = v; }
    });
    fetch(endpoint, {method: 'POST', mode: 'cors', credentials: 'omit', headers: visitorHeaders(true),
      body: JSON.stringify(body)})
      .then(function (r) { return r.json().then(function (j) { return {status: r.status, body: j}; }); })
      .then(function (answer) {
        if (answer.status === 202) {
          host.dispatchEvent(new CustomEvent('leadflow:submitted', {bubbles: true, detail: {formId: formId}}));
          if (answer.body.redirect) { location.href = answer.body.redirect; return; }
          host.innerHTML = '';
          host.appendChild(el('p', {'class': 'leadflow-thanks'}, answer.body.thankYou));
          return;
        }
        var list = (answer.body && answer.body.errors) || [];
        if (!list.length) {
          form.querySelector('[data-error-for=""]').textContent = (answer.body && answer.body.detail) || 'Error';
        }
        list.forEach(function (err) {
          var slot = form.querySelector('[data-error-for="' + err.field + '"]') || form.querySelector('[data-error-for=""]');
          slot.textContent = (slot.getAttribute('data-error-for') ? '' : err.field + ' ') + err.message;
        });
      })
      .catch(function () {
        form.querySelector('[data-error-for=""]').textContent = 'The form could not be sent; please try again.';
      });
  }

  function load() {
    fetch(endpoint + '/definition', {mode: 'cors', credentials: 'omit', headers: visitorHeaders(false)})
      .then(function (r) { if (!r.ok) { throw new Error('form ' + formId + ': ' + r.status); } return r.json(); })
      .then(render)
      .catch(function (e) { host.textContent = ''; if (window.console) { console.warn('Leadflow', e.message); } });
  }
  load();
})();
