/* The sandbox page's own words in English and Simplified Chinese (the bot's words come from
 * the bot). Strings.t(key, params) in the page's locale; Strings.setLocale(locale) switches
 * and translates the elements of index.html that carry data-i18n. */
(function (global) {
  "use strict";
  const TEXT = {
    en: {
      title: "slm-bot sandbox",
      workspace: "SLM Sandbox",
      sandbox_tag: "sandbox",
      you_are: "You are",
      persona: "Persona",
      foot: "No Slack account: everything here runs on this machine. Clicks and submissions reach the bot as signed Slack requests.",
      loading: "Loading the workspace…",
      channels: "Channels",
      direct_messages: "Direct messages",
      apps: "Apps",
      home_suffix: "Home",
      home_tab: "Home",
      opening_home: "Opening the App Home…",
      no_messages: "No messages yet.",
      reply_one: "1 reply",
      replies: "{n} replies",
      only_you: "Only visible to you",
      dismiss: "Dismiss",
      edited: "(edited)",
      app_badge: "APP",
      someone: "someone",
      thread: "Thread",
      close: "Close",
      back: "Back",
      send: "Send",
      reply_hint: "Reply…",
      dm_hint: "Only /sla commands here (messages to this app are turned off)",
      channel_hint: "Message #{name} — try /sla help",
      cancel: "Cancel",
      yes: "Yes",
      optional: "(optional)",
      select_item: "Select an item",
      select_items: "Select items",
      search: "Search…",
      remove: "Remove {name}",
      no_options: "No matching options",
      more_actions: "More actions",
      image: "image",
      trouble: "We had some trouble connecting. Try again?",
      no_response: "The app did not respond in time.",
      http_status: "The app answered HTTP {status}.",
      unsupported_block: "Unsupported block: {type}",
      unsupported_element: "Unsupported element: {type}",
      unread: "{n} unread",
    },
    "zh-CN": {
      title: "slm-bot 沙盒",
      workspace: "SLM 沙盒",
      sandbox_tag: "沙盒",
      you_are: "当前身份",
      persona: "身份",
      foot: "无需 Slack 账号：这里的一切都在本机运行。点击和提交会以签名的 Slack 请求发送给机器人。",
      loading: "正在加载工作区…",
      channels: "频道",
      direct_messages: "私信",
      apps: "应用",
      home_suffix: "主页",
      home_tab: "主页",
      opening_home: "正在打开应用主页…",
      no_messages: "还没有消息。",
      reply_one: "1 条回复",
      replies: "{n} 条回复",
      only_you: "仅你可见",
      dismiss: "关闭",
      edited: "（已编辑）",
      app_badge: "应用",
      someone: "某人",
      thread: "消息列",
      close: "关闭",
      back: "返回",
      send: "发送",
      reply_hint: "回复…",
      dm_hint: "这里只能使用 /sla 命令（已关闭给此应用发消息）",
      channel_hint: "发送消息到 #{name} — 试试 /sla help",
      cancel: "取消",
      yes: "确定",
      optional: "（可选）",
      select_item: "选择一项",
      select_items: "选择若干项",
      search: "搜索…",
      remove: "移除 {name}",
      no_options: "没有匹配的选项",
      more_actions: "更多操作",
      image: "图片",
      trouble: "连接出现问题，请重试。",
      no_response: "应用未及时响应。",
      http_status: "应用返回 HTTP {status}。",
      unsupported_block: "不支持的区块：{type}",
      unsupported_element: "不支持的元素：{type}",
      unread: "{n} 条未读",
    },
  };
  let locale = "en";

  function t(key, params) {
    const table = TEXT[locale] || TEXT.en;
    const text = key in table ? table[key] : TEXT.en[key];
    if (text === undefined) throw new Error(`no page text ${key}`);
    return text.replace(/\{(\w+)\}/g, (m, name) => (params && name in params ? String(params[name]) : m));
  }

  function setLocale(next) {
    locale = String(next || "en").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
    document.documentElement.lang = locale;
    document.title = t("title");
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-label]").forEach((el) => el.setAttribute("aria-label", t(el.dataset.i18nLabel)));
  }

  global.Strings = { t, setLocale, get locale() { return locale; }, TEXT };
})(window);
