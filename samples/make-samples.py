#!/usr/bin/env python3
"""Writes the sample documents in samples/documents/ from scratch (no template, no network).

contract.docx  text: title, company name, paragraphs
report.docx    an embedded PNG image, a table, a header and footer, an external hyperlink
ledger.xlsx    a workbook with two sheets (shared strings, numbers, a formula)

Run: python3 samples/make-samples.py  (deterministic: fixed zip timestamps)
"""
import os, struct, sys, zipfile, zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "documents")
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def write_zip(path, parts):
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data if isinstance(data, bytes) else data.encode("utf-8"))
    os.replace(tmp, path)


def rels(items):
    body = "".join(
        '<Relationship Id="%s" Type="%s" Target="%s"%s/>' % (i, t, tg, ' TargetMode="External"' if ext else "")
        for i, t, tg, ext in items)
    return DECL + '<Relationships xmlns="%s">%s</Relationships>' % (PKG_RELS, body)


def content_types(defaults, overrides):
    d = "".join('<Default Extension="%s" ContentType="%s"/>' % x for x in defaults)
    o = "".join('<Override PartName="%s" ContentType="%s"/>' % x for x in overrides)
    return DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">%s%s</Types>' % (d, o)


def core(title):
    return DECL + ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                   'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
                   'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>%s</dc:title><dc:creator>docseal samples</dc:creator>'
                   '<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z</dcterms:created></cp:coreProperties>' % title)


APP = DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>docseal samples</Application></Properties>'
BASE_DEFAULTS = [("rels", "application/vnd.openxmlformats-package.relationships+xml"), ("xml", "application/xml")]
BASE_OVERRIDES = [("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
                  ("/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml")]
ROOT_RELS = lambda main: rels([("rId1", RELS + "/officeDocument", main, False),
                               ("rId2", PKG_RELS + "/metadata/core-properties", "docProps/core.xml", False),
                               ("rId3", RELS + "/extended-properties", "docProps/app.xml", False)])
STYLES = DECL + ('<w:styles %s><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Liberation Serif" w:hAnsi="Liberation Serif"/>'
                 '<w:sz w:val="24"/></w:rPr></w:rPrDefault></w:docDefaults><w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/>'
                 '<w:rPr><w:b/><w:sz w:val="40"/></w:rPr></w:style></w:styles>' % W)


def para(text, style=None, align=None):
    ppr = ""
    if style or align:
        ppr = "<w:pPr>%s%s</w:pPr>" % ('<w:pStyle w:val="%s"/>' % style if style else "", '<w:jc w:val="%s"/>' % align if align else "")
    return '<w:p>%s<w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>' % (ppr, text)


SECT = '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" w:footer="708"/></w:sectPr>'


def contract():
    body = [para("Sales Contract", "Title", "center"),
            para("Contract No. 2026-0117"),
            para("Seller: Example Trading Co. Ltd., 88 Harbour Road, Shanghai"),
            para("Buyer: Northwind Import GmbH, Hamburg")]
    for i in range(1, 9):
        body.append(para("Article %d. The seller delivers the goods described in Annex %d at the agreed price, "
                         "packed for sea transport, within thirty days of the date of this contract." % (i, i)))
    body += [para(""), para("For and on behalf of the seller:"), para("Example Trading Co. Ltd."), para("Date: 24 November 2026")]
    doc = DECL + "<w:document %s><w:body>%s%s</w:body></w:document>" % (W, "".join(body), SECT)
    write_zip(os.path.join(OUT, "contract.docx"), [
        ("[Content_Types].xml", content_types(BASE_DEFAULTS, BASE_OVERRIDES + [
            ("/word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
            ("/word/styles.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml")])),
        ("_rels/.rels", ROOT_RELS("word/document.xml")),
        ("word/document.xml", doc),
        ("word/_rels/document.xml.rels", rels([("rId1", RELS + "/styles", "styles.xml", False)])),
        ("word/styles.xml", STYLES),
        ("docProps/core.xml", core("Sales Contract")),
        ("docProps/app.xml", APP),
    ])


def png(width, height):
    """A small RGB chart-like picture, written with zlib only."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            bar = (x // 20) % 4
            h = [60, 100, 40, 80][bar]
            inside = height - y < h and x % 20 < 14
            row += bytes([30, 90, 170]) if inside else bytes([245, 245, 245])
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def report():
    emu = 914400 * 3
    pic = ('<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
           '<wp:extent cx="%d" cy="%d"/><wp:docPr id="1" name="Chart"/>'
           '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
           '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr id="1" name="chart.png"/><pic:cNvPicPr/></pic:nvPicPr>'
           '<pic:blipFill><a:blip r:embed="rId4"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
           '<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="%d" cy="%d"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
           '</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>') % (emu, emu // 2, emu, emu // 2)
    cell = lambda t: '<w:tc><w:tcPr><w:tcW w:w="3000" w:type="dxa"/></w:tcPr>%s</w:tc>' % para(t)
    rows = [("Quarter", "Revenue", "Margin"), ("Q1", "1 200 000", "18 %"), ("Q2", "1 350 000", "19 %"), ("Q3", "1 410 000", "21 %")]
    borders = '<w:tblBorders>%s</w:tblBorders>' % "".join('<w:%s w:val="single" w:sz="4" w:space="0" w:color="000000"/>' % b for b in ("top", "left", "bottom", "right", "insideH", "insideV"))
    table = '<w:tbl><w:tblPr><w:tblW w:w="9000" w:type="dxa"/>%s</w:tblPr><w:tblGrid>%s</w:tblGrid>%s</w:tbl>' % (
        borders, '<w:gridCol w:w="3000"/>' * 3, "".join("<w:tr>%s</w:tr>" % "".join(cell(c) for c in r) for r in rows))
    link = ('<w:p><w:r><w:t xml:space="preserve">Details: </w:t></w:r><w:hyperlink r:id="rId5"><w:r><w:rPr><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr>'
            '<w:t>https://example.com/annual-report</w:t></w:r></w:hyperlink></w:p>')
    sect = SECT.replace("<w:sectPr>", '<w:sectPr><w:headerReference w:type="default" r:id="rId2"/><w:footerReference w:type="default" r:id="rId3"/>')
    body = [para("Quarterly Report", "Title", "center"), para("Prepared by Example Trading Co. Ltd."), pic, table, link,
            para("The figures above are unaudited."), para("Example Trading Co. Ltd.")]
    doc = DECL + "<w:document %s><w:body>%s%s</w:body></w:document>" % (W, "".join(body), sect)
    hdr = DECL + "<w:hdr %s>%s</w:hdr>" % (W, para("Example Trading Co. Ltd. — Confidential", align="right"))
    ftr = DECL + "<w:ftr %s>%s</w:ftr>" % (W, para("Page footer: Quarterly Report 2026", align="center"))
    write_zip(os.path.join(OUT, "report.docx"), [
        ("[Content_Types].xml", content_types(BASE_DEFAULTS + [("png", "image/png")], BASE_OVERRIDES + [
            ("/word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
            ("/word/styles.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"),
            ("/word/header1.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"),
            ("/word/footer1.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml")])),
        ("_rels/.rels", ROOT_RELS("word/document.xml")),
        ("word/document.xml", doc),
        ("word/_rels/document.xml.rels", rels([
            ("rId1", RELS + "/styles", "styles.xml", False), ("rId2", RELS + "/header", "header1.xml", False),
            ("rId3", RELS + "/footer", "footer1.xml", False), ("rId4", RELS + "/image", "media/image1.png", False),
            ("rId5", RELS + "/hyperlink", "https://example.com/annual-report", True)])),
        ("word/styles.xml", STYLES),
        ("word/header1.xml", hdr),
        ("word/footer1.xml", ftr),
        ("word/media/image1.png", png(240, 120)),
        ("docProps/core.xml", core("Quarterly Report")),
        ("docProps/app.xml", APP),
    ])


def ledger():
    X = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="%s"' % RELS
    strings = ["Item", "Quantity", "Unit price", "Total", "Steel pipe", "Copper wire", "Valves", "Example Trading Co. Ltd.", "Month", "Shipments"]
    sst = DECL + '<sst %s count="%d" uniqueCount="%d">%s</sst>' % (X, len(strings), len(strings), "".join("<si><t>%s</t></si>" % s for s in strings))
    s = lambda ref, i: '<c r="%s" t="s"><v>%d</v></c>' % (ref, i)
    n = lambda ref, v: '<c r="%s"><v>%s</v></c>' % (ref, v)
    f = lambda ref, fx: '<c r="%s"><f>%s</f></c>' % (ref, fx)
    rows1 = ['<row r="1">%s</row>' % "".join(s("%s1" % c, i) for c, i in zip("ABCD", range(4)))]
    for r, (name, q, p) in enumerate([(4, 120, 35.5), (5, 800, 2.25), (6, 40, 118)], start=2):
        rows1.append('<row r="%d">%s%s%s%s</row>' % (r, s("A%d" % r, name), n("B%d" % r, q), n("C%d" % r, p), f("D%d" % r, "B%d*C%d" % (r, r))))
    rows1.append('<row r="20"><c r="E20" s="1" t="s"><v>7</v></c></row>')  # centred: where the seal goes
    fmt = ('<sheetFormatPr defaultRowHeight="15" customHeight="1"/><cols><col min="1" max="4" width="12.7109375" customWidth="1"/>'
           '<col min="5" max="5" width="30.7109375" customWidth="1"/></cols>')
    sheet1 = DECL + '<worksheet %s>%s<sheetData>%s</sheetData></worksheet>' % (X, fmt, "".join(rows1))
    rows2 = ['<row r="1">%s%s</row>' % (s("A1", 8), s("B1", 9))] + ['<row r="%d">%s%s</row>' % (m + 1, n("A%d" % (m + 1), m), n("B%d" % (m + 1), 10 + m * 3)) for m in range(1, 13)]
    sheet2 = DECL + '<worksheet %s><sheetData>%s</sheetData></worksheet>' % (X, "".join(rows2))
    wb = DECL + '<workbook %s><sheets><sheet name="Orders" sheetId="1" r:id="rId1"/><sheet name="Shipments" sheetId="2" r:id="rId2"/></sheets></workbook>' % X
    styles = DECL + ('<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
                     '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
                     '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                     '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                     '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
                     '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment horizontal="center"/></xf></cellXfs></styleSheet>')
    SM = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    write_zip(os.path.join(OUT, "ledger.xlsx"), [
        ("[Content_Types].xml", content_types(BASE_DEFAULTS, BASE_OVERRIDES + [
            ("/xl/workbook.xml", SM + ".sheet.main+xml"), ("/xl/worksheets/sheet1.xml", SM + ".worksheet+xml"),
            ("/xl/worksheets/sheet2.xml", SM + ".worksheet+xml"), ("/xl/sharedStrings.xml", SM + ".sharedStrings+xml"),
            ("/xl/styles.xml", SM + ".styles+xml")])),
        ("_rels/.rels", ROOT_RELS("xl/workbook.xml")),
        ("xl/workbook.xml", wb),
        ("xl/_rels/workbook.xml.rels", rels([
            ("rId1", RELS + "/worksheet", "worksheets/sheet1.xml", False), ("rId2", RELS + "/worksheet", "worksheets/sheet2.xml", False),
            ("rId3", RELS + "/sharedStrings", "sharedStrings.xml", False), ("rId4", RELS + "/styles", "styles.xml", False)])),
        ("xl/worksheets/sheet1.xml", sheet1),
        ("xl/worksheets/sheet2.xml", sheet2),
        ("xl/sharedStrings.xml", sst),
        ("xl/styles.xml", styles),
        ("docProps/core.xml", core("Ledger")),
        ("docProps/app.xml", APP),
    ])


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    contract(); report(); ledger()
    print("wrote", ", ".join(sorted(os.listdir(OUT))))
