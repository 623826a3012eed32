// Word adapter: the keyword prefilled from the current selection, and a seal slot inserted there.
"use strict";
const docsealWord = {
  /** Inserts a slot (Flat OPC from docseal-server) at the selection, after its text. */
  async insertSlot(ooxml) {
    return Word.run(async (context) => {
      context.document.getSelection().insertOoxml(ooxml, "After");
      await context.sync();
    });
  },
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
