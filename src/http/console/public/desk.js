/* global document, window, EventSource, fetch, URL */
// Canbao call-centre desk: live queue and transcript (server-sent events), canned replies, softphone autostart.
// Progressive enhancement only: every page works without it.
'use strict';

document.addEventListener('DOMContentLoaded', function () {
  // The softphone URL (/console/assisted/new?caller=...) starts the assisted conversation at once.
  var start = document.getElementById('assisted-start');
  if (start && start.dataset.autostart === '1' && window.location.search.indexOf('error=') < 0) start.submit();

  // Canned replies: one click puts the text in the reply box.
  var box = document.getElementById('reply-text');
  var canned = document.querySelectorAll('.canned-reply');
  for (var i = 0; i < canned.length; i++) {
    canned[i].addEventListener('click', function (event) {
      if (!box) return;
      box.value = event.currentTarget.dataset.text;
      box.focus();
    });
  }

  // Transcripts and assisted scripts open at their newest line.
  var logs = document.querySelectorAll('.transcript');
  for (var l = 0; l < logs.length; l++) logs[l].scrollTop = logs[l].scrollHeight;
  var answerBox = document.getElementById('answer');
  if (answerBox) answerBox.focus();

  var queue = document.getElementById('handoff-queue');
  var transcript = document.getElementById('transcript');
  var live = queue || transcript;
  if (!live || typeof EventSource === 'undefined') return;
  var source = new EventSource(live.dataset.live);

  function refreshQueue() {
    fetch(queue.dataset.fragment, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) {
        return r.json();
      })
      .then(function (body) {
        document.getElementById('handoff-rows').innerHTML = body.rows;
        var esc = document.getElementById('escalated');
        esc.textContent = body.escalated;
        esc.className = body.escalatedCount ? 'notice error' : 'muted';
      });
  }
  if (queue) {
    ['handoff.created', 'handoff.updated', 'handoff.message'].forEach(function (type) {
      source.addEventListener(type, refreshQueue);
    });
    window.setInterval(refreshQueue, 30000);
  }

  if (transcript) {
    var labels = document.getElementById('author-labels');
    source.addEventListener('handoff.message', function (event) {
      var s = JSON.parse(event.data);
      if (s.handoffId !== transcript.dataset.handoff || !s.message) return;
      if (transcript.querySelector('li[data-id="' + s.message.id + '"]')) return;
      var li = document.createElement('li');
      li.className = 'msg ' + s.message.author;
      li.dataset.id = s.message.id;
      var who = document.createElement('span');
      who.className = 'who';
      who.textContent = labels ? labels.dataset[s.message.author] : s.message.author;
      var text = document.createElement('div');
      text.className = 'text';
      text.textContent = s.message.text;
      li.appendChild(who);
      li.appendChild(text);
      transcript.appendChild(li);
      li.scrollIntoView({ block: 'nearest' });
    });
    source.addEventListener('handoff.updated', function (event) {
      var s = JSON.parse(event.data);
      // Closed: show it; the agent who has it is only interrupted when the resident withdrew it (nobody to answer).
      // The page is loaded again without the notice of the agent's last action (?done=claim would say "answer now").
      var withdrawn = s.outcome === 'WITHDRAWN';
      if (s.handoffId !== transcript.dataset.handoff || s.status !== 'CLOSED' || (!withdrawn && document.getElementById('reply-form'))) return;
      var url = new URL(window.location.href);
      url.searchParams.delete('done');
      url.searchParams.delete('error');
      window.location.replace(url.toString());
    });
  }
});
