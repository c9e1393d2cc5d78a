/*
 * 表格在窄屏上放不下时：滚动区域可用键盘聚焦（tabindex=0、role=region、中文名称），
 * 并显示“← 左右滑动查看 →”提示（Material 在页面载入时把表格包进 .md-typeset__scrollwrap）。
 */
(function () {
  "use strict";
  function label(wrap) {
    var el = wrap;
    while ((el = el.previousElementSibling)) {
      if (/^H[1-6]$/.test(el.tagName)) {
        return el.textContent.replace(/\s*¶\s*$/, "").trim() + "（表格）";
      }
    }
    return "表格";
  }
  function decorate() {
    var wraps = document.querySelectorAll(".md-typeset__scrollwrap");
    for (var i = 0; i < wraps.length; i++) {
      var wrap = wraps[i];
      if (!wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", label(wrap));
      }
      var wide = wrap.scrollWidth > wrap.clientWidth + 1;
      wrap.classList.toggle("pa-wide", wide);
      var hint = wrap.previousElementSibling;
      if (!hint || !hint.classList.contains("pa-scroll-hint")) {
        hint = document.createElement("p");
        hint.className = "pa-scroll-hint";
        hint.setAttribute("aria-hidden", "true");
        hint.textContent = "← 左右滑动查看 →";
        wrap.parentNode.insertBefore(hint, wrap);
      }
      hint.hidden = !wide;
    }
  }
  function soon() { window.setTimeout(decorate, 0); }
  if (typeof document$ !== "undefined") {
    document$.subscribe(soon);
  } else {
    document.addEventListener("DOMContentLoaded", soon);
  }
  window.addEventListener("resize", soon);
})();
