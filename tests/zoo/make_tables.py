"""Writes the task-division table zoo (tests/zoo/tables/): plans with their 分工表 as officials receive them.

  plan_with_table.docx        江城 plan with its appendix table: two-row header (责任单位 over 牵头单位 /
                              配合单位), 牵头单位 and 完成时限 cells merged over several rows, 序号 in several forms
  plan_a.docx                 the same plan without the appendix (the table is sent later)
  task_table.xlsx             the same table alone, caption row merged across the sheet
  plan_b.docx                 河州 plan (no owners written under its clauses)
  task_table_other_words.xls  its table: 序号 (a running count) / 工作任务 / 责任单位 / 协办单位 / 时间节点,
                              its 文号 in the caption (.xls written by LibreOffice from an .xlsx)
  plan_unnumbered_rows.docx   山南 plan whose table rows carry no number and come in another order

Run: .venv/bin/python tests/zoo/make_tables.py   (needs LibreOffice's soffice for the .xls only)
The expected parse of each file is the .json beside it (written by hand, not by this script).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import docx
import openpyxl

OUT = Path(__file__).parent / "tables"

PLAN_A = [
    "江城市人民政府办公室关于印发江城市质量强市三年行动实施方案的通知",
    "江政办发〔2023〕12号",
    "各区人民政府，市政府各部门：",
    "现将《江城市质量强市三年行动实施方案》印发给你们，请认真贯彻执行。",
    "江城市人民政府办公室",
    "2023年4月10日",
    "江城市质量强市三年行动实施方案",
    "为深入实施质量强市战略，推动高质量发展，制定本方案。",
    "一、总体要求",
    "（一）指导思想。坚持质量第一、效益优先，推动质量变革。",
    "（二）主要目标。到2025年，全市质量总体水平显著提升，制造业产品质量合格率达到95%以上。",
    "二、重点任务",
    "（一）提升产品质量。实施质量提升行动，开展重点产品质量攻关，推动企业对标达标。",
    "（二）提升工程质量。落实工程质量终身责任制，推广绿色建造方式。（市住建局负责）",
    "（三）提升服务质量。推动生产性服务业向专业化延伸，开展服务质量监测评价。",
    "（四）夯实质量基础。加强计量、标准、认证认可、检验检测能力建设。",
    "（五）强化品牌建设。培育“江城优品”区域公用品牌，开展品牌价值评价。",
    "三、保障措施",
    "（一）加强组织领导。建立质量强市工作领导小组，统筹推进各项工作。",
    "（二）加大财政投入。统筹安排质量发展专项资金，支持质量基础设施建设。",
    "（三）强化督查考核。将质量工作纳入政府绩效考核，定期通报进展。",
]
CAPTION_A = "江城市质量强市三年行动实施方案重点任务分工表"
# 序号, 重点任务, 牵头单位, 配合单位, 完成时限; equal neighbours in 牵头单位 / 完成时限 are written as merged cells.
ROWS_A = [
    ("一（二）", "主要目标", "市市场监管局", "市统计局", "2025年底前"),
    ("二（一）", "提升产品质量", "市市场监管局", "市工信局、市发改委", "2025年底前"),
    ("二、（二）", "提升工程质量", "市住建局", "市交通运输局", "2025年底前"),
    ("二(三)", "提升服务质量", "市商务局", "市文旅局、市交通运输局", "持续推进"),
    ("（四）", "夯实质量基础", "市市场监管局", "市科技局", "持续推进"),
    ("二（五）", "强化品牌建设", "市市场监管局", "市委宣传部\n市商务局", "2024年6月底前"),
    ("三（一）", "加强组织领导", "市发改委", "市市场监管局", "2023年5月底前"),
    ("三（二）", "加大财政投入", "市发改委", "市财政局", "每年"),
    ("三（三）", "强化督查考核", "市发改委", "市委督查室、市市场监管局", "每年"),
]

PLAN_B = [
    "河州市人民政府关于印发河州市质量提升行动方案的通知",
    "河政发〔2022〕5号",
    "各县（市、区）人民政府，市政府各部门：",
    "现将《河州市质量提升行动方案》印发给你们，请结合实际认真组织实施。",
    "河州市人民政府",
    "2022年2月18日",
    "河州市质量提升行动方案",
    "为全面提升质量总体水平，制定本方案。",
    "一、提升重点产品质量",
    "（一）实施制造业质量提升工程。聚焦装备制造、新材料等重点产业，开展质量攻关。",
    "（二）提高消费品供给质量。开展消费品质量对标行动，扩大优质消费品供给。",
    "（三）保障农产品质量安全。推进农产品标准化生产，健全追溯体系。",
    "（四）提高建设工程质量。强化工程质量监管，开展质量通病治理。",
    "二、夯实质量发展基础",
    "（五）加强标准体系建设。鼓励企业参与制定国家标准和行业标准。",
    "（六）完善计量检测体系。建设区域计量测试中心，提升检验检测能力。",
    "（七）推进品牌培育工作。实施品牌培育工程，支持企业申报质量奖。",
    "（八）营造质量文化氛围。开展质量月活动，普及质量知识。",
]
CAPTION_B = "河州市质量提升行动方案任务分工表（河政发〔2022〕5号）"
# 序号 (a running count), 工作任务 (reworded from the clause headings, another order), 责任单位, 协办单位, 时间节点
ROWS_B = [
    ("1", "实施制造业质量提升工程", "市工信局", "市市场监管局", "2022年12月"),
    ("2", "提高消费品供给质量", "市市场监管局", "市商务局", "2023年6月"),
    ("3", "推进农产品质量安全", "市农业农村局", "市市场监管局", "长期"),
    ("4", "提高建设工程质量水平", "市住建局", "市水利局、市交通运输局", "长期"),
    ("5", "加强标准体系建设", "市市场监管局", "各县（市、区）人民政府", "2023年"),
    ("6", "完善计量检测体系", "市市场监管局", "市科技局", "2024年"),
    ("7", "推进品牌培育", "市市场监管局", "市工信局", "长期"),
    ("8", "营造质量文化氛围", "市委宣传部", "市市场监管局", "每年9月"),
]

PLAN_C = [
    "山南市人民政府办公室关于印发山南市质量强市工作方案的通知",
    "山政办〔2021〕30号",
    "现将《山南市质量强市工作方案》印发给你们，请认真组织实施。",
    "山南市人民政府办公室",
    "2021年7月1日",
    "山南市质量强市工作方案",
    "一、工作目标",
    "到2023年，全市主要产品质量抽检合格率稳定在95%以上。",
    "二、主要任务",
    "（一）推动质量技术创新。支持企业建设技术中心，推广先进质量管理方法。",
    "（二）加强食品安全监管。落实食品安全“四个最严”要求，开展专项整治。",
    "（三）提升旅游服务水平。规范旅游市场秩序，开展旅游服务质量评价。",
    "（四）加强质量人才培养。开展质量管理人才培训，建设首席质量官队伍。",
    "三、工作要求",
    "各部门要高度重视，确保各项任务落到实处。",
    "附件",
    "山南市质量强市工作任务分工表",
]
# 重点任务 (no number, another order), 具体措施, 责任单位 (one column: lead and helpers in one cell), 时间安排
ROWS_C = [
    ("提升旅游服务质量", "规范旅游市场秩序", "市文旅局牵头，市市场监管局配合", "2022年底"),
    ("强化食品安全监管", "开展食品安全专项整治", "市市场监管局", "持续开展"),
    ("质量人才培养", "培训质量管理人才，建设首席质量官队伍", "市人社局、市市场监管局", "2023年"),
    ("推进质量技术创新", "支持企业建设技术中心", "市科技局（牵头）、市工信局", "2023年"),
]


def _set(cell, text: str) -> None:
    cell.text = ""
    lines = text.split("\n")
    cell.paragraphs[0].text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def _merge_runs(table, rows: list[tuple[str, ...]], column: int, first_row: int) -> None:
    """Merge equal neighbouring cells of `column` (as Word users do for 牵头单位 and 完成时限)."""
    start = 0
    for index in range(1, len(rows) + 1):
        if index == len(rows) or rows[index][column] != rows[start][column]:
            if index - start > 1:
                merged = table.cell(first_row + start, column).merge(table.cell(first_row + index - 1, column))
                _set(merged, rows[start][column])
            start = index


def plan_docx(path: Path, lines: list[str], rows: list[tuple[str, ...]] | None) -> None:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    if rows is not None:
        document.add_paragraph("附件：" + CAPTION_A)
        table = document.add_table(rows=len(rows) + 2, cols=5)
        table.style = "Table Grid"
        for column, header in ((0, "序号"), (1, "重点任务"), (4, "完成时限")):
            _set(table.cell(0, column).merge(table.cell(1, column)), header)
        _set(table.cell(0, 2).merge(table.cell(0, 3)), "责任单位")
        _set(table.cell(1, 2), "牵头单位")
        _set(table.cell(1, 3), "配合单位")
        for r, row in enumerate(rows, 2):
            for c, text in enumerate(row):
                _set(table.cell(r, c), text)
        _merge_runs(table, rows, 2, 2)
        _merge_runs(table, rows, 4, 2)
    document.save(str(path))


def plan_c_docx(path: Path) -> None:
    document = docx.Document()
    for line in PLAN_C:
        document.add_paragraph(line)
    table = document.add_table(rows=len(ROWS_C) + 1, cols=4)
    table.style = "Table Grid"
    for c, header in enumerate(("重点任务", "具体措施", "责任单位", "时间安排")):
        _set(table.cell(0, c), header)
    for r, row in enumerate(ROWS_C, 1):
        for c, text in enumerate(row):
            _set(table.cell(r, c), text)
    document.save(str(path))


def sheet_xlsx(path: Path, caption: str, headers: tuple[str, ...], rows: list[tuple[str, ...]],
               merge_columns: tuple[int, ...]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "分工表"
    sheet.append([caption])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(list(headers))
    for row in rows:
        sheet.append([int(row[0]) if row[0].isdigit() else row[0], *row[1:]])
    for column in merge_columns:
        start = 0
        for index in range(1, len(rows) + 1):
            if index == len(rows) or rows[index][column] != rows[start][column]:
                if index - start > 1:
                    sheet.merge_cells(start_row=start + 3, start_column=column + 1, end_row=index + 2,
                                      end_column=column + 1)
                start = index
    book.save(str(path))


def xls_via_libreoffice(source: Path, target: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("soffice not found: apt-get install -y libreoffice-calc-nogui (generator only)")
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run([soffice, "--headless", "--convert-to", "xls", "--outdir", scratch, str(source)],
                       check=True, capture_output=True, timeout=180)
        shutil.move(Path(scratch) / (source.stem + ".xls"), target)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    plan_docx(OUT / "plan_with_table.docx", PLAN_A, ROWS_A)
    plan_docx(OUT / "plan_a.docx", PLAN_A, None)
    sheet_xlsx(OUT / "task_table.xlsx", "附件：" + CAPTION_A, ("序号", "重点任务", "牵头单位", "配合单位", "完成时限"),
               ROWS_A, (2,))
    plan_docx(OUT / "plan_b.docx", PLAN_B, None)
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "task_table_other_words.xlsx"
        sheet_xlsx(source, CAPTION_B, ("序号", "工作任务", "责任单位", "协办单位", "时间节点"), ROWS_B, (2,))
        xls_via_libreoffice(source, OUT / "task_table_other_words.xls")
    plan_c_docx(OUT / "plan_unnumbered_rows.docx")


if __name__ == "__main__":
    main()
