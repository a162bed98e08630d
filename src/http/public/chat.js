/*
 * Canbao web chat page. Plain browser JavaScript, no build step, no inline handlers (CSP script-src 'self').
 * The bot's messages arrive already translated and masked by the server; the page's own fixed labels, in
 * Chinese and English, are in chat-labels.js (loaded first).
 *
 * Messages reach the page three ways and are shown once each, by message id:
 *   - the replies of POST /api/chat/sessions/:id/messages,
 *   - the server-sent events of /api/chat/sessions/:id/events (later notifications, e.g. "session ended"),
 *   - the transcript GET /api/chat/sessions/:id/messages?after= (after a reload or a lost connection).
 */
(function () {
  'use strict';

  var STORE_KEY = 'canbao.chat.session';
  var PAGE_SIZE = 200; // the server's transcript page size

  var LABELS = window.CanbaoChatLabels;

  var el = {
    title: document.getElementById('title'),
    log: document.getElementById('log'),
    main: document.getElementById('main'),
    status: document.getElementById('status'),
    error: document.getElementById('error'),
    errorText: document.getElementById('error-text'),
    retry: document.getElementById('retry'),
    form: document.getElementById('form'),
    input: document.getElementById('input'),
    send: document.getElementById('send'),
    restart: document.getElementById('restart'),
  };

  var state = {
    lang: 'zh',
    sessionId: null,
    seen: {}, // message ids already shown
    lastId: '0', // highest message id shown (the transcript cursor)
    lastOptions: null, // options of the newest bot message
    busy: false,
    pending: null, // {text, messageId} of a message not yet acknowledged (retried with the same id)
    retryAction: null,
    source: null,
    reconnectTimer: null,
  };

  // ------------------------------------------------------------------ labels and language

  function t(key) {
    return LABELS[state.lang][key];
  }

  function applyLabels() {
    document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
    document.title = t('title');
    var nodes = document.querySelectorAll('[data-label]');
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = t(nodes[i].getAttribute('data-label'));
    var ph = document.querySelectorAll('[data-placeholder]');
    for (var j = 0; j < ph.length; j++) ph[j].setAttribute('placeholder', t(ph[j].getAttribute('data-placeholder')));
  }

  /** The conversation's language, read from a bot message: Chinese characters against Latin letters. */
  function detectLang(text) {
    var han = (text.match(/[\u3400-\u9fff]/g) || []).length;
    var latin = (text.match(/[A-Za-z]/g) || []).length;
    if (han + latin < 4) return null;
    return han * 4 >= latin ? 'zh' : 'en';
  }

  function noteLanguage(text) {
    var lang = detectLang(text);
    if (lang && lang !== state.lang) {
      state.lang = lang;
      applyLabels();
    }
  }

  // ------------------------------------------------------------------ notices

  function showError(message, retryAction) {
    el.errorText.textContent = message;
    state.retryAction = retryAction || null;
    el.retry.hidden = !retryAction;
    el.error.hidden = false;
  }

  function hideError() {
    el.error.hidden = true;
    el.errorText.textContent = '';
    state.retryAction = null;
  }

  function showStatus(message) {
    el.status.textContent = message;
    el.status.hidden = !message;
  }

  // ------------------------------------------------------------------ messages

  /** Compares two decimal message ids. */
  function idGreater(a, b) {
    return a.length !== b.length ? a.length > b.length : a > b;
  }

  function remember(id) {
    if (!id) return true;
    if (state.seen[id]) return false;
    state.seen[id] = true;
    if (idGreater(id, state.lastId)) state.lastId = id;
    return true;
  }

  function disableOldChoices() {
    var buttons = el.log.querySelectorAll('.choice:not(:disabled)');
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = true;
  }

  function scrollToEnd() {
    el.main.scrollTop = el.main.scrollHeight;
  }

  function bubble(kind, text) {
    var div = document.createElement('div');
    div.className = 'msg ' + kind;
    var who = document.createElement('span');
    who.className = 'who';
    who.textContent = t(kind === 'bot' ? 'bot' : 'you');
    div.appendChild(who);
    div.appendChild(document.createTextNode(text));
    return div;
  }

  /** The replies of one turn, in order: a message after one with choices keeps those choices active. */
  function showTurn(replies) {
    var asked = false;
    replies.forEach(function (m) {
      showBot(m, asked);
      if (m.options && m.options.length) asked = true;
    });
  }

  /**
   * Shows a bot message (once per id), with its choices as numbered buttons. `keep`: a message after the question
   * of the same turn (a reference number sent last) leaves that question's choices active.
   */
  function showBot(m, keep) {
    if (!remember(m.id)) return null;
    noteLanguage(m.text || '');
    var hasOptions = Boolean(m.options && m.options.length);
    if (!keep || hasOptions) disableOldChoices();
    var div = bubble('bot', m.text || '');
    if (m.options && m.options.length) {
      var list = document.createElement('div');
      list.className = 'choices';
      for (var i = 0; i < m.options.length; i++) {
        var b = document.createElement('button');
        b.type = 'button';
        b.className = 'choice';
        b.setAttribute('data-n', String(i + 1));
        var num = document.createElement('span');
        num.className = 'num';
        num.setAttribute('aria-hidden', 'true');
        num.textContent = String(i + 1);
        b.appendChild(num);
        b.appendChild(document.createTextNode(m.options[i].label));
        b.setAttribute('aria-label', i + 1 + '. ' + m.options[i].label);
        list.appendChild(b);
      }
      div.appendChild(list);
      state.lastOptions = m.options;
    } else if (!keep) {
      state.lastOptions = null;
    }
    el.log.appendChild(div);
    scrollToEnd();
    return div;
  }

  /**
   * The user's own ID number or phone, shown masked as the transcript stores it (so a phone passed around the
   * family does not show it in full). The server masks everything it sends; this only covers what was typed.
   */
  function maskOwn(text) {
    return text
      .replace(/(^|\D)(\d{17}[\dXx]|\d{15})(?!\d)/g, function (_m, lead, id) {
        return lead + id.charAt(0) + new Array(id.length - 2).join('*') + id.slice(-2).toUpperCase();
      })
      .replace(/(^|\D)(1[3-9]\d)(\d{4})(\d{4})(?!\d)/g, function (_m, lead, head, _mid, tail) {
        return lead + head + '****' + tail;
      });
  }

  /** What the user's message looks like: a number answering a choice shows the choice too. */
  function userDisplay(text) {
    var n = /^\s*(\d{1,2})\s*$/.exec(text);
    var o = n && state.lastOptions && state.lastOptions[Number(n[1]) - 1];
    return o ? n[1] + '. ' + o.label : maskOwn(text);
  }

  function showUser(text, id) {
    if (!remember(id)) return null;
    var div = bubble('user', userDisplay(text));
    el.log.appendChild(div);
    scrollToEnd();
    return div;
  }

  function showEntry(m) {
    if (m.direction === 'in') showUser(m.text, m.id);
    else showBot(m);
  }

  // ------------------------------------------------------------------ API

  function NetworkError() {}

  function api(method, path, body) {
    var init = { method: method, headers: { accept: 'application/json' }, cache: 'no-store' };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(
      function (res) {
        return res
          .json()
          .catch(function () {
            return {};
          })
          .then(function (json) {
            return { status: res.status, body: json };
          });
      },
      function () {
        throw new NetworkError();
      },
    );
  }

  function newMessageId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var a = new Uint8Array(16);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (x) { return ('0' + x.toString(16)).slice(-2); }).join('');
  }

  function sessionPath(suffix) {
    return '/api/chat/sessions/' + encodeURIComponent(state.sessionId) + suffix;
  }

  /** Loads the transcript after the cursor, page by page; onlyBot skips the user's own (already shown) messages. */
  function loadTranscript(onlyBot) {
    return api('GET', sessionPath('/messages?after=' + state.lastId)).then(function (r) {
      if (r.status !== 200) return r.status;
      var list = r.body.messages || [];
      for (var i = 0; i < list.length; i++) {
        if (onlyBot && list[i].direction === 'in') remember(list[i].id);
        else showEntry(list[i]);
      }
      return list.length >= PAGE_SIZE ? loadTranscript(onlyBot) : 200;
    });
  }

  // ------------------------------------------------------------------ server-sent events

  function connectEvents() {
    if (state.source) state.source.close();
    clearTimeout(state.reconnectTimer);
    if (!window.EventSource || !state.sessionId) return;
    var source = new EventSource(sessionPath('/events'));
    state.source = source;
    source.onopen = function () {
      showStatus('');
      // Catch up on anything sent while not connected.
      loadTranscript(true).catch(function () {});
    };
    source.onmessage = function (e) {
      try {
        showBot(JSON.parse(e.data));
      } catch (err) {
        /* ignore a malformed event */
      }
    };
    source.onerror = function () {
      if (state.source !== source) return;
      showStatus(t('reconnecting'));
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. the server answered with an error): try again a little later.
        state.reconnectTimer = setTimeout(connectEvents, 5000);
      }
    };
  }

  // ------------------------------------------------------------------ sessions

  function resetView() {
    if (state.source) state.source.close();
    state.source = null;
    state.seen = {};
    state.lastId = '0';
    state.lastOptions = null;
    state.pending = null;
    el.log.textContent = '';
  }

  function startSession() {
    resetView();
    var link = /[?&]c=([A-Za-z0-9_-]{16})(?:&|$)/.exec(window.location.search);
    return api('POST', '/api/chat/sessions', link ? { campaignToken: link[1] } : undefined).then(function (r) {
      if (r.status !== 201) throw new Error('status ' + r.status);
      state.sessionId = r.body.sessionId;
      try {
        sessionStorage.setItem(STORE_KEY, state.sessionId);
      } catch (e) {
        /* private mode: the session lasts as long as the page */
      }
      showTurn(r.body.replies || []);
      connectEvents();
    });
  }

  function resumeSession(id) {
    state.sessionId = id;
    return loadTranscript(false).then(function (status) {
      if (status === 404) {
        forgetSession();
        return startSession();
      }
      if (status !== 200) throw new Error('status ' + status);
      connectEvents();
    });
  }

  function forgetSession() {
    try {
      sessionStorage.removeItem(STORE_KEY);
    } catch (e) {
      /* ignore */
    }
    state.sessionId = null;
  }

  function init() {
    hideError();
    var stored = null;
    try {
      stored = sessionStorage.getItem(STORE_KEY);
    } catch (e) {
      /* ignore */
    }
    var ready = stored && /^[A-Za-z0-9_-]{32}$/.test(stored) ? resumeSession(stored) : startSession();
    return ready.then(
      function () {
        focusNext();
      },
      function () {
        showError(t('startFailed'), init);
      },
    );
  }

  // ------------------------------------------------------------------ sending

  function setBusy(busy) {
    state.busy = busy;
    el.send.disabled = busy;
    el.form.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  /** After the bot answered: the first choice when there are choices, otherwise the text box. */
  function focusNext() {
    var choice = el.log.querySelector('.choice:not(:disabled)');
    if (choice) choice.focus({ preventScroll: true });
    else el.input.focus({ preventScroll: true });
  }

  function send(text, viaChoice) {
    if (state.busy || !state.sessionId) return;
    hideError();
    var messageId = state.pending && state.pending.text === text ? state.pending.messageId : newMessageId();
    state.pending = { text: text, messageId: messageId };
    var mine = showUser(text, null);
    mine.classList.add('sending');
    el.input.value = '';
    setBusy(true);

    function failed(key, retry) {
      if (mine.parentNode) mine.parentNode.removeChild(mine);
      el.input.value = text; // keep what was typed
      showError(t(key), retry);
    }

    api('POST', sessionPath('/messages'), { text: text, messageId: messageId })
      .then(
        function (r) {
          if (r.status === 200) {
            mine.classList.remove('sending');
            state.pending = null;
            showTurn(r.body.replies || []);
            if (viaChoice || document.activeElement === el.input || document.activeElement === document.body) focusNext();
            return;
          }
          if (r.status === 429) return failed('rateLimited');
          if (r.status === 404) {
            failed('sessionLost');
            forgetSession();
            return startSession().catch(function () {
              showError(t('startFailed'), init);
            });
          }
          if (r.status === 400) return failed('badRequest');
          failed('serverError', function () {
            send(text, viaChoice);
          });
        },
        function () {
          failed('network', function () {
            send(text, viaChoice);
          });
        },
      )
      .then(function () {
        setBusy(false);
      });
  }

  // ------------------------------------------------------------------ events

  el.form.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = el.input.value.trim();
    if (!text) {
      showError(t('empty'));
      el.input.focus();
      return;
    }
    send(text, false);
  });

  el.log.addEventListener('click', function (e) {
    var target = e.target;
    var button = target && target.closest ? target.closest('button.choice') : null;
    if (!button || button.disabled || state.busy) return;
    send(button.getAttribute('data-n'), true);
  });

  el.retry.addEventListener('click', function () {
    var action = state.retryAction;
    hideError();
    if (action) action();
  });

  el.restart.addEventListener('click', function () {
    if (!window.confirm(t('confirmNewChat'))) return;
    forgetSession();
    hideError();
    startSession().then(focusNext, function () {
      showError(t('startFailed'), init);
    });
  });

  // A phone that slept may have dropped the event stream: reconnect (and catch up) when the page is shown.
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible' && state.sessionId && (!state.source || state.source.readyState === EventSource.CLOSED)) {
      connectEvents();
    }
  });

  applyLabels();
  init();
})();
