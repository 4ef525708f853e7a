// Every visible string of the pages, in English or Traditional Chinese (zh-TW).
// The catalogues are static/i18n/en.json and static/i18n/zh-TW.json, loaded before this script as
// window.VF_MESSAGES by /i18n/messages.js. The language is the stored choice (localStorage
// "vf_language"), else the first of navigator.languages we have (any zh -> zh-TW), else English.
// Markup names its strings with data attributes, so a switch re-translates the page in place:
//   data-i18n="key"                 -> textContent
//   data-i18n-placeholder / -aria-label / -alt / -title="key" -> that attribute
//   data-i18n-args='{"name": "x"}'  -> {name} in the message
//   data-i18n-date="2024-01-20T16:30:00Z" -> the date in the language's format ("" -> never)
"use strict";

(function () {
  const LANGUAGES = ["en", "zh-TW"];
  const STORAGE_KEY = "vf_language";
  const ATTRIBUTES = ["placeholder", "aria-label", "alt", "title"];
  const SELECTOR = "[data-i18n], [data-i18n-date], " +
    ATTRIBUTES.map(function (name) { return "[data-i18n-" + name + "]"; }).join(", ");
  const messages = window.VF_MESSAGES || {};

  // The language for a list of BCP 47 tags, e.g. ["zh-Hant-TW", "en"] -> "zh-TW".
  function pick(tags) {
    for (const tag of tags || []) {
      const lower = String(tag || "").toLowerCase();
      if (lower === "zh" || lower.indexOf("zh-") === 0) {
        return "zh-TW";
      }
      if (lower === "en" || lower.indexOf("en-") === 0) {
        return "en";
      }
    }
    return "en";
  }

  function storedChoice() {
    try {
      const value = window.localStorage.getItem(STORAGE_KEY);
      return LANGUAGES.indexOf(value) >= 0 ? value : null;
    } catch (ignored) {
      return null;
    }
  }

  function browserLanguages() {
    const list = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    return Array.prototype.slice.call(list);
  }

  let language = storedChoice() || pick(browserLanguages());

  function has(key) {
    return Boolean(messages[language] && messages[language][key] !== undefined);
  }

  // The message for key in the current language (English if missing), {name}s filled from args.
  function t(key, args) {
    let text = messages[language] && messages[language][key];
    if (text === undefined) {
      text = messages.en && messages.en[key];
    }
    if (text === undefined) {
      return key;
    }
    return text.replace(/\{(\w+)\}/g, function (whole, name) {
      return args && args[name] !== undefined && args[name] !== null ? String(args[name]) : whole;
    });
  }

  function formatDate(iso) {
    if (!iso) {
      return t("common.never");
    }
    const moment = new Date(iso);
    return isNaN(moment.getTime()) ? iso : moment.toLocaleString(language);
  }

  function translate(element) {
    let args;
    if (element.dataset.i18nArgs) {
      try {
        args = JSON.parse(element.dataset.i18nArgs);
      } catch (ignored) {
        args = undefined;
      }
    }
    if (element.dataset.i18n) {
      element.textContent = t(element.dataset.i18n, args);
    } else if (element.dataset.i18nDate !== undefined) {
      element.textContent = formatDate(element.dataset.i18nDate);
    }
    ATTRIBUTES.forEach(function (name) {
      const key = element.getAttribute("data-i18n-" + name);
      if (key) {
        element.setAttribute(name, t(key, args));
      }
    });
  }

  function apply(root) {
    const scope = root || document;
    if (scope.matches && scope.matches(SELECTOR)) {
      translate(scope);
    }
    scope.querySelectorAll(SELECTOR).forEach(translate);
  }

  // Give element the message key (kept on it, so a language switch re-translates it).
  function set(element, key, args) {
    element.dataset.i18n = key;
    if (args) {
      element.dataset.i18nArgs = JSON.stringify(args);
    } else {
      delete element.dataset.i18nArgs;
    }
    translate(element);
    return element;
  }

  function setAttribute(element, name, key, args) {
    element.setAttribute("data-i18n-" + name, key);
    if (args) {
      element.dataset.i18nArgs = JSON.stringify(args);
    }
    translate(element);
    return element;
  }

  function setDate(element, iso) {
    delete element.dataset.i18n;
    element.dataset.i18nDate = iso || "";
    translate(element);
    return element;
  }

  // [key, args] for an error envelope {status, message, error_code} answered with HTTP `status`.
  function apiError(payload, status) {
    const code = payload && payload.error_code;
    const detail = (payload && typeof payload.message === "string" && payload.message) || "";
    if (code && has("error." + code)) {
      return ["error." + code, { detail: detail, status: status }];
    }
    if (detail) {
      return ["error.other", { detail: detail, status: status }];
    }
    return ["error.status", { status: status }];
  }

  function setError(element, payload, status) {
    const found = apiError(payload, status);
    return set(element, found[0], found[1]);
  }

  function setLanguage(choice) {
    if (LANGUAGES.indexOf(choice) < 0) {
      return;
    }
    language = choice;
    try {
      window.localStorage.setItem(STORAGE_KEY, choice);
    } catch (ignored) {
      // private mode: the choice lasts for this page only
    }
    document.documentElement.lang = choice;
    apply(document);
    syncSwitches();
    document.dispatchEvent(new CustomEvent("vf:language", { detail: { language: choice } }));
  }

  function syncSwitches() {
    document.querySelectorAll("select.language-switch").forEach(function (select) {
      select.value = language;
    });
  }

  document.documentElement.lang = language;
  document.querySelectorAll("select.language-switch").forEach(function (select) {
    select.addEventListener("change", function () {
      setLanguage(select.value);
    });
  });
  apply(document);
  syncSwitches();

  window.VF = window.VF || {};
  window.VF.i18n = {
    LANGUAGES: LANGUAGES,
    apiError: apiError,
    apply: apply,
    formatDate: formatDate,
    has: has,
    language: function () { return language; },
    pick: pick,
    set: set,
    setAttribute: setAttribute,
    setDate: setDate,
    setError: setError,
    setLanguage: setLanguage,
    t: t,
  };
})();
