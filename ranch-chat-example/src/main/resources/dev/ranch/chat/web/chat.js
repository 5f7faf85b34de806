// The browser side of the ranch chat. Each WebSocket text frame is one line of the chat's
// line protocol, exactly what an nc user types and reads on the TCP port.
(function () {
  'use strict';

  // Reconnection back-off: the first retry comes quickly, later ones spread out so that a
  // server that is down for long is not hammered by every open page.
  var FIRST_DELAY_MS = 500;
  var MAX_DELAY_MS = 15000;

  var statusEl = document.getElementById('status');
  var roomEl = document.getElementById('room');
  var messagesEl = document.getElementById('messages');
  var joinForm = document.getElementById('join');
  var roomInput = document.getElementById('room-name');
  var sayForm = document.getElementById('say');
  var lineInput = document.getElementById('line');
  var sendButton = document.getElementById('send');

  var socket = null;
  var room = null;         // the room the server confirmed, rejoined after a reconnect
  var pendingJoin = null;  // the room of a JOIN sent and not yet answered
  var attempt = 0;         // failed connection attempts since the last open
  var countdownTimer = null;
  var quitting = false;    // the user typed QUIT: the server's BYE is the end, no reconnect

  function url() {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
  }

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
    var open = state === 'open';
    document.body.classList.toggle('offline', !open);
    lineInput.disabled = !open;
    sendButton.disabled = !open;
  }

  function show(kind, text) {
    var item = document.createElement('li');
    item.className = kind;
    item.textContent = text; // never innerHTML: lines come from strangers
    messagesEl.appendChild(item);
    messagesEl.scrollTop = messagesEl.scrollHeight;
  }

  function setRoom(name) {
    room = name;
    roomEl.textContent = name === null ? 'no room' : name;
    document.title = name === null ? 'ranch chat' : name + ' · ranch chat';
  }

  function send(line) {
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      show('error', 'not connected: "' + line + '" was not sent');
      return false;
    }
    socket.send(line);
    return true;
  }

  function join(name) {
    pendingJoin = name;
    send('JOIN ' + name);
  }

  // The protocol has no sender names, so a line is told apart by its first word only, the
  // same guess an nc user makes.
  function received(line) {
    if (pendingJoin !== null && line === 'OK joined ' + pendingJoin) {
      setRoom(pendingJoin);
      pendingJoin = null;
      show('reply', line);
    } else if (room !== null && line === 'OK left ' + room) {
      setRoom(null);
      show('reply', line);
    } else if (/^ERR( |$)/.test(line)) {
      if (line === 'ERR bad room name') {
        pendingJoin = null;
      }
      show('error', line);
    } else if (/^BYE( |$)/.test(line)) {
      show('bye', line);
    } else if (/^OK( |$)/.test(line) || /^ {2}/.test(line)) {
      show('reply', line);
    } else {
      show('in', line);
    }
  }

  function connect() {
    setStatus(attempt === 0 ? 'connecting' : 'reconnecting',
        attempt === 0 ? 'connecting…' : 'reconnecting… (retry ' + attempt + ')');
    var ws = new WebSocket(url());
    socket = ws;
    ws.onopen = function () {
      attempt = 0;
      setStatus('open', 'connected');
      if (room !== null) {
        show('note', 'reconnected: rejoining ' + room);
        join(room);
      }
    };
    ws.onmessage = function (event) {
      received(String(event.data));
    };
    ws.onclose = function () {
      if (socket !== ws) {
        return;
      }
      socket = null;
      if (quitting) {
        setStatus('closed', 'disconnected');
        show('note', 'you left the chat; reload the page to come back');
        return;
      }
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    var delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * Math.pow(2, attempt));
    // Jitter, so that many pages cut off together do not all come back in the same instant.
    delay = Math.round(delay * (0.75 + Math.random() * 0.5));
    attempt++;
    if (attempt === 1) {
      show('note', 'connection lost; reconnecting');
    }
    var due = Date.now() + delay;
    var tick = function () {
      var left = Math.max(0, Math.ceil((due - Date.now()) / 1000));
      setStatus('reconnecting', 'reconnecting in ' + left + ' s (retry ' + attempt + ')');
    };
    tick();
    clearInterval(countdownTimer);
    countdownTimer = setInterval(tick, 250);
    setTimeout(function () {
      clearInterval(countdownTimer);
      connect();
    }, delay);
  }

  joinForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var name = roomInput.value.trim();
    if (name !== '') {
      join(name);
    }
  });

  sayForm.addEventListener('submit', function (event) {
    event.preventDefault();
    var line = lineInput.value;
    if (line === '') {
      return;
    }
    // The server reads command words in any ASCII case; so does the page.
    var upper = line.replace(/[a-z]+/g, function (letters) { return letters.toUpperCase(); });
    var word = upper.split(' ')[0];
    if (word === 'JOIN') {
      join(line.substring(5));
    } else if (send(line)) {
      if (upper === 'QUIT') {
        quitting = true;
      } else if (room === null || ['LEAVE', 'WHO', 'HELP'].indexOf(upper) >= 0) {
        show('reply', '> ' + line);
      } else {
        show('out', line);
      }
    }
    lineInput.value = '';
    lineInput.focus();
  });

  roomInput.value = new URLSearchParams(location.search).get('room') || '';
  connect();
}());
