// Excel adapter: the cell prefilled from the active cell.
"use strict";
const docsealExcel = {
  async activeCell() {
    if (typeof Excel === "undefined") return "";
    return Excel.run(async (context) => {
      const cell = context.workbook.getActiveCell();
      cell.load("address");
      await context.sync();
      return cell.address || "";
    });
  },
};
