// Word adapter: the keyword prefilled from the current selection.
"use strict";
const docsealWord = {
  async selectionText() {
    if (typeof Word === "undefined") return "";
    return Word.run(async (context) => {
      const range = context.document.getSelection();
      range.load("text");
      await context.sync();
      return (range.text || "").trim();
    });
  },
};
