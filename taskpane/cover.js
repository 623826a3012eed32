// Covering seals that no valid signature binds, in the open document, so that a copied or broken
// seal cannot be shown as if it held. Seals are found by their mark in the picture's alt text
// ("... (docseal; certificate SHA-256 ...; signature /_xmlsignatures/sigN.xml)"). Word hides them
// through its shapes API (WordApiDesktop 1.2) where the host has it; Excel lays a grey cross and
// "INVALID" over each through worksheet.shapes (ExcelApi 1.9). Nothing is saved: the reader is
// told not to save.
"use strict";
const docsealCover = (() => {
  const MARK = "(docseal; certificate SHA-256 ";
  const names = (marks) => (alt) => typeof alt === "string" && alt.includes(MARK) &&
    marks.some((m) => !m || alt.includes("; signature " + m + ")"));

  async function word(marks) {
    const req = Office.context.requirements;
    if (!req || !req.isSetSupported("WordApiDesktop", "1.2")) return 0;
    return Word.run(async (context) => {
      const shapes = context.document.body.shapes;
      shapes.load("items/altTextDescription");
      await context.sync();
      const hit = shapes.items.filter((s) => names(marks)(s.altTextDescription));
      for (const s of hit) s.visible = false;
      await context.sync();
      return hit.length;
    });
  }

  async function excel(marks) {
    const req = Office.context.requirements;
    if (!req || !req.isSetSupported("ExcelApi", "1.9")) return 0;
    return Excel.run(async (context) => {
      const sheets = context.workbook.worksheets;
      sheets.load("items/name");
      await context.sync();
      const all = sheets.items.map((ws) => { ws.shapes.load("items/altTextDescription,items/left,items/top,items/width,items/height"); return ws; });
      await context.sync();
      let n = 0;
      for (const ws of all) {
        for (const s of ws.shapes.items.filter((x) => names(marks)(x.altTextDescription))) {
          const { left, top, width, height } = s;
          for (const [x1, y1, x2, y2] of [[left, top, left + width, top + height], [left + width, top, left, top + height]]) {
            const line = ws.shapes.addLine(x1, y1, x2, y2, Excel.ConnectorType ? Excel.ConnectorType.straight : "Straight");
            line.lineFormat.color = "#7a7a7a";
            line.lineFormat.weight = 4;
            line.name = "docseal INVALID";
          }
          const box = ws.shapes.addTextBox("INVALID");
          Object.assign(box, { left, top: top + height / 2 - 14, width, height: 28, name: "docseal INVALID" });
          box.fill.setSolidColor("#ffffff");
          box.textFrame.horizontalAlignment = "Center";
          box.textFrame.textRange.font.color = "#505050";
          box.textFrame.textRange.font.bold = true;
          n++;
        }
      }
      await context.sync();
      return n;
    });
  }

  return {
    /** Covers the seals whose marks name these signature parts; the number covered. */
    async cover(host, marks) {
      if (host === "Word" && typeof Word !== "undefined") return word(marks);
      if (host === "Excel" && typeof Excel !== "undefined") return excel(marks);
      return 0;
    },
  };
})();
