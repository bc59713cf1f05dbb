/*
 * "Copy" buttons beside read-only text (the credit line): shown only when the script runs;
 * without it the text is still selectable. data-copy names the element whose value is copied.
 */
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    var status = button.parentNode.querySelector(".copy-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      source.select();
      var say = function (text) { if (status) { status.textContent = text; } };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(source.value).then(
          function () { say(document.documentElement.lang === "en" ? "Copied" : "コピーしました"); },
          function () { say(document.documentElement.lang === "en" ? "Selected: copy it by hand" : "選択しました。手動でコピーしてください"); }
        );
      }
    });
  });
})();
