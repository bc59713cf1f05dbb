// The upload page while its job runs: ask the server for the job's state every second and a
// half, show the steps done, and reload the page when the job has finished (the result is
// then rendered by the server). Without JavaScript a <meta refresh> in <noscript> does it.
(function () {
  'use strict';
  var box = document.getElementById('upload-progress');
  if (!box) { return; }
  var url = box.getAttribute('data-status-url');
  var bar = box.querySelector('progress');
  var items = box.querySelectorAll('li[data-step]');
  var failures = 0;

  function show(status) {
    var done = status.progress || [];
    var count = 0;
    for (var i = 0; i < items.length; i += 1) {
      var finished = done.indexOf(items[i].getAttribute('data-step')) >= 0;
      items[i].classList.toggle('done', finished);
      if (finished) { count += 1; }
    }
    if (bar) { bar.value = count; }
  }

  function poll() {
    fetch(url, { credentials: 'same-origin', cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (status) {
        failures = 0;
        show(status);
        if (status.pending) { window.setTimeout(poll, 1500); } else { window.location.reload(); }
      })
      .catch(function () {
        failures += 1;  // a restarting server: keep asking, more slowly
        window.setTimeout(poll, Math.min(30000, 1500 * Math.pow(2, failures)));
      });
  }
  window.setTimeout(poll, 1000);
}());
