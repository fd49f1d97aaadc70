(function () {
  'use strict';
  var t0 = performance.now();
  var tests = Array.prototype.slice.call(document.querySelectorAll('details.t'));
  var sections = Array.prototype.slice.call(document.querySelectorAll('section.feat, section.cap'));
  var controls = {
    capability: document.getElementById('f-capability'),
    status: document.getElementById('f-status'),
    tag: document.getElementById('f-tag'),
    q: document.getElementById('f-q')
  };
  var keys = ['capability', 'status', 'tag', 'q'];

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function params() {
    return new URLSearchParams(location.hash.replace(/^#/, ''));
  }

  // Shows the tests that pass every filter; writes the filters into the URL unless they came from it.
  function apply(fromHash) {
    var cap = controls.capability.value, st = controls.status.value, tag = controls.tag.value;
    var q = controls.q.value.trim().toLowerCase();
    var shown = 0;
    tests.forEach(function (t) {
      var ok = (!cap || t.dataset.cap === cap) && (!st || t.dataset.status === st) &&
        (!tag || (' ' + t.dataset.tags + ' ').indexOf(' ' + tag + ' ') >= 0) &&
        (!q || t.dataset.s.indexOf(q) >= 0);
      t.hidden = !ok;
      if (ok) { shown++; }
    });
    sections.forEach(function (s) { s.hidden = !s.querySelector('details.t:not([hidden])'); });
    document.getElementById('shown').textContent = shown + ' of ' + tests.length + ' tests shown';
    document.body.dataset.shown = String(shown);
    if (!fromHash) {
      var p = params();
      keys.forEach(function (k) { if (controls[k].value) { p.set(k, controls[k].value); } else { p.delete(k); } });
      var h = p.toString();
      history.replaceState(null, '', h ? '#' + h : location.pathname + location.search);
    }
  }

  function fromHash() {
    var p = params();
    keys.forEach(function (k) {
      var v = p.get(k) || '';
      var c = controls[k];
      if (c.tagName === 'SELECT' && v && !Array.prototype.some.call(c.options, function (o) { return o.value === v; })) {
        v = '';
      }
      c.value = v;
    });
    apply(true);
    var open = p.get('open');
    if (open) {
      var t = document.getElementById('t-' + open);
      if (t) {
        t.dataset.openExchange = p.get('exchange') || '';
        t.open = true;
        t.scrollIntoView({ block: 'nearest' });
      }
    }
  }

  // A test's evidence: its line of its feature's JSON Lines, embedded gzip-compressed in base64 and unpacked
  // (once per feature) when one of the feature's tests is first opened.
  function featureLines(section) {
    if (!section.evidenceLines) {
      var s = section.querySelector('script.evf');
      if (!s) { return Promise.resolve(null); }
      var bin = atob(s.textContent.trim());
      var bytes = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
      var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
      section.evidenceLines = new Response(stream).text().then(function (text) {
        var byId = new Map();
        text.split('\n').forEach(function (line) {
          var m = /^\{"id":("(?:[^"\\]|\\.)*")/.exec(line);
          if (m) { byId.set(JSON.parse(m[1]), line); }
        });
        return byId;
      });
    }
    return section.evidenceLines;
  }

  function evidenceOf(t) {
    if (!t.querySelector('div.ev')) { return Promise.resolve(null); }
    return featureLines(t.closest('section.feat')).then(function (byId) {
      var line = byId && byId.get(t.dataset.id);
      return line ? JSON.parse(line) : null;
    });
  }

  // Pretty-printed JSON whose every member carries its FHIRPath-like location (Bundle.entry[0].resource.id).
  function jsonHtml(v, path, indent) {
    var pad = '  '.repeat(indent);
    if (Array.isArray(v)) {
      if (!v.length) { return '[]'; }
      return '[\n' + v.map(function (x, i) {
        var p = path + '[' + i + ']';
        return pad + '  <span class="n" data-p="' + esc(p) + '">' + jsonHtml(x, p, indent + 1) + '</span>';
      }).join(',\n') + '\n' + pad + ']';
    }
    if (v && typeof v === 'object') {
      var ks = Object.keys(v);
      if (!ks.length) { return '{}'; }
      return '{\n' + ks.map(function (k) {
        var p = path ? path + '.' + k : k;
        return pad + '  <span class="n" data-p="' + esc(p) + '">' + esc(JSON.stringify(k)) + ': ' +
          jsonHtml(v[k], p, indent + 1) + '</span>';
      }).join(',\n') + '\n' + pad + '}';
    }
    return esc(JSON.stringify(v));
  }

  // XML laid out one element per line (FHIR XML usually comes on one line); narrative XHTML stays as it came.
  function xmlPretty(text) {
    var lines = text.replace(/>\s*</g, '>\n<').split('\n');
    var depth = 0;
    return lines.map(function (line) {
      if (/^<\//.test(line)) { depth = Math.max(0, depth - 1); }
      var out = '  '.repeat(depth) + line;
      if (/^<[^/?!]/.test(line) && !/\/>$/.test(line) && !/<\/[^>]+>$/.test(line)) { depth++; }
      return out;
    }).join('\n');
  }

  function bodyHtml(body) {
    if (body === null || body === undefined || body === '') { return '<p class="noev">(no body)</p>'; }
    if (typeof body === 'object') { return '<pre class="body">' + esc(JSON.stringify(body, null, 2)) + '</pre>'; }
    var text = String(body);
    if (text.length < 2000000 && /^\s*[{[]/.test(text)) {
      try {
        var v = JSON.parse(text);
        return '<pre class="body">' + jsonHtml(v, v && v.resourceType ? v.resourceType : '', 0) + '</pre>';
      } catch (e) { /* not JSON: shown as it came */ }
    }
    if (text.length < 2000000 && /^\s*</.test(text) && text.indexOf('\n') < 0) {
      return '<pre class="body">' + esc(xmlPretty(text.trim())) + '</pre>';
    }
    return '<pre class="body">' + esc(text) + '</pre>';
  }

  function headersHtml(headers) {
    return '<table class="kv">' + (headers || []).map(function (h) {
      return '<tr><td>' + esc(h[0]) + '</td><td>' + esc(h[1]) + '</td></tr>';
    }).join('') + '</table>';
  }

  function exchangeHtml(x) {
    var rq = x.request || {}, rs = x.response;
    var out = '<h4>Request</h4><p><code>' + esc(rq.method + ' ' + rq.url) + '</code> · sent ' + esc(x.started_at || '') + '</p>' +
      headersHtml(rq.headers);
    if (x.jwt) { out += '<h4>Decoded JWT</h4><pre class="body">' + esc(JSON.stringify(x.jwt, null, 2)) + '</pre>'; }
    if (rq.body) { out += '<h4>Request body</h4>' + bodyHtml(rq.body); }
    if (x.error) { out += '<h4>Transport error</h4><pre class="failure">' + esc(x.error) + '</pre>'; }
    if (rs) {
      out += '<h4>Response ' + esc(rs.status) + '</h4><p>' + esc(Math.round(x.elapsed_ms || 0)) + ' ms, ' +
        esc(rs.wire_bytes) + ' bytes on the wire</p>' + headersHtml(rs.headers) + '<h4>Response body</h4>' + bodyHtml(rs.body);
    }
    return out;
  }

  function exchangeTitle(x, n) {
    var rq = x.request || {};
    var result = x.response ? String(x.response.status) : (x.error ? 'transport error' : 'no response');
    return n + '. ' + esc(rq.method + ' ' + rq.url) + ' → ' + esc(result) + ' (' + esc(Math.round(x.elapsed_ms || 0)) + ' ms)';
  }

  // A validation entry: {of, exchange, outcome} or an OperationOutcome or other findings.
  function validationHtml(v, i) {
    var oo = v && v.outcome ? v.outcome : v;
    var of = v && v.of ? v.of : (oo && oo.id ? oo.id : 'validation ' + (i + 1));
    if (!oo || oo.resourceType !== 'OperationOutcome') {
      return '<details class="v"><summary>' + esc(of) + '</summary><pre class="body">' + esc(JSON.stringify(v, null, 2)) + '</pre></details>';
    }
    var issues = oo.issue || [];
    var errors = issues.filter(function (s) { return s.severity === 'error' || s.severity === 'fatal'; }).length;
    var rows = issues.map(function (s) {
      var expr = (s.expression && s.expression[0]) || (s.location && s.location[0]) || '';
      var at = expr && v.exchange
        ? '<a href="#" class="goto" data-x="' + esc(v.exchange) + '" data-p="' + esc(expr) + '">' + esc(expr) + '</a>'
        : esc(expr);
      var ext = (s.extension || []).map(function (e) { return e.valueString || e.valueUri || ''; }).filter(Boolean).join(' · ');
      return '<tr><td class="sev-' + esc(s.severity) + '">' + esc(s.severity) + '</td><td>' + at + '</td><td>' +
        esc(s.diagnostics || '') + (ext ? ' <span class="where">' + esc(ext) + '</span>' : '') + '</td></tr>';
    }).join('');
    return '<details class="v"><summary>' + esc(of) + ': ' + (errors ? '<b class="failed">' + errors + ' error' + (errors > 1 ? 's' : '') + '</b>, ' : '') +
      issues.length + ' issue' + (issues.length === 1 ? '' : 's') + '</summary><table class="issues">' + rows + '</table></details>';
  }

  function render(t, ev) {
    var box = t.querySelector('div.ev');
    var xs = ev.exchanges || [], vs = ev.validations || [], ms = ev.messages || [];
    var html = '';
    if (xs.length) {
      html += '<h4>Exchanges</h4>' + xs.map(function (x, i) {
        return '<details class="x" data-n="' + (i + 1) + '"><summary>' + exchangeTitle(x, i + 1) + '</summary><div class="xb"></div></details>';
      }).join('');
    }
    if (vs.length) { html += '<h4>Profile validation</h4>' + vs.map(validationHtml).join(''); }
    if (ms.length) {
      html += '<h4>MESH messages</h4>' + ms.map(function (m, i) {
        return '<details class="x"><summary>message ' + (i + 1) + '</summary><pre class="body">' + esc(JSON.stringify(m, null, 2)) + '</pre></details>';
      }).join('');
    }
    box.innerHTML = html || '<p class="noev">The test made no exchange.</p>';
    Array.prototype.forEach.call(box.querySelectorAll('details.x[data-n]'), function (d) {
      d.addEventListener('toggle', function () {
        var b = d.querySelector('div.xb');
        if (d.open && !b.dataset.done) {
          b.innerHTML = exchangeHtml(xs[Number(d.dataset.n) - 1]);
          b.dataset.done = '1';
        }
      });
    });
    Array.prototype.forEach.call(box.querySelectorAll('a.goto'), function (a) {
      a.addEventListener('click', function (e) {
        e.preventDefault();
        var d = box.querySelector('details.x[data-n="' + a.dataset.x + '"]');
        if (!d) { return; }
        d.open = true;
        var b = d.querySelector('div.xb');
        if (!b.dataset.done) { b.innerHTML = exchangeHtml(xs[Number(d.dataset.n) - 1]); b.dataset.done = '1'; }
        Array.prototype.forEach.call(box.querySelectorAll('.n.hl'), function (n) { n.classList.remove('hl'); });
        var p = a.dataset.p, node = null;
        while (p && !node) {
          node = b.querySelector('.n[data-p="' + CSS.escape(p) + '"]');
          p = p.replace(/(\.[^.[\]]*|\[\d+\])$/, '');
        }
        if (node) { node.classList.add('hl'); node.scrollIntoView({ block: 'center' }); }
      });
    });
    var want = t.dataset.openExchange;
    if (want) {
      var d = box.querySelector('details.x[data-n="' + want + '"]');
      if (d) { d.open = true; }
    }
    t.dataset.loaded = '1';
  }

  tests.forEach(function (t) {
    t.addEventListener('toggle', function () {
      if (!t.open || t.dataset.loading) { return; }
      t.dataset.loading = '1';
      evidenceOf(t).then(function (ev) {
        if (ev) { render(t, ev); } else { t.dataset.loaded = '1'; }
      }).catch(function (e) {
        var box = t.querySelector('div.ev');
        if (box) { box.textContent = 'The evidence of this test cannot be read: ' + e; }
        t.dataset.loaded = 'error';
      });
    });
  });
  keys.forEach(function (k) {
    controls[k].addEventListener(k === 'q' ? 'input' : 'change', function () { apply(false); });
  });
  window.addEventListener('hashchange', fromHash);
  fromHash();
  document.body.dataset.ready = '1';
  document.body.dataset.loadMs = String(Math.round(performance.now()));
  document.body.dataset.scriptMs = String(Math.round(performance.now() - t0));
}());
