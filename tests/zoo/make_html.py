"""Write the GB2312-encoded web-page fixtures under tests/zoo/html (the UTF-8 pages there are plain files).

Run: .venv/bin/python tests/zoo/make_html.py — the pages below are written as a province's and a
county's site serve them: GB2312 bytes, declared in <meta>.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).parent / "html"

# A province site on a TRS-style CMS: <meta> ArticleTitle/PubDate, the 信息公开 block as a list of
# "label：value" items, the text in div.TRS_Editor inside nested boxes, the plan as an 附件 of the notice.
PROVINCE = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<meta name="ArticleTitle" content="湖北省人民政府办公厅关于印发湖北省质量提升三年行动方案的通知" />
<meta name="PubDate" content="2021-03-12 16:20" />
<meta name="ContentSource" content="省政府办公厅" />
<title>湖北省人民政府办公厅关于印发湖北省质量提升三年行动方案的通知_省政府办公厅文件_湖北省人民政府门户网站</title>
<style type="text/css">.TRS_Editor P{line-height:2;font-size:12pt;}</style>
</head>
<body>
<div id="topbar"><a href="/">湖北省人民政府门户网站</a> <a href="/zlb/">关怀版</a> <a href="javascript:;">无障碍浏览</a> <a href="/ft/">繁體</a></div>
<div class="menu"><a href="/">首页</a><a href="/zwgk/">政务公开</a><a href="/bsfw/">办事服务</a><a href="/hdjl/">互动交流</a></div>
<div class="container">
  <div class="location">您现在的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/szfwj/">省政府办公厅文件</a></div>
  <div class="article-box">
    <ul class="info-list clearfix">
      <li><span>索 引 号：</span>011043398/2021-00312</li>
      <li><span>分　　类：</span>质量监督</li>
      <li><span>发布机构：</span>省政府办公厅</li>
      <li><span>发文日期：</span>2021年03月08日</li>
      <li><span>文　　号：</span>鄂政办发〔2021〕9号</li>
      <li><span>主 题 词：</span>质量 行动方案</li>
    </ul>
    <div class="detail-title"><h2>湖北省人民政府办公厅关于印发湖北省质量提升三年行动方案的通知</h2></div>
    <div class="detail-info">发布时间：2021-03-12 16:20　来源：省政府办公厅　【字号：<a>大</a> <a>中</a> <a>小</a>】</div>
    <div class="view TRS_UEDITOR trs_paper_default">
      <div class="TRS_Editor">
        <p>各市、州、县人民政府，省政府各部门：</p>
        <p>《湖北省质量提升三年行动方案》已经省人民政府同意，现印发给你们，请结合实际，认真组织实施。</p>
        <p style="text-align: right">湖北省人民政府办公厅</p>
        <p style="text-align: right">2021年3月8日</p>
        <p>附件：湖北省质量提升三年行动方案</p>
        <p style="text-align: center"><b>湖北省质量提升三年行动方案</b></p>
        <p>为全面提升全省质量总体水平，推动经济高质量发展，制定本方案。</p>
        <p>一、主要目标</p>
        <p>到2023年，全省质量总体水平显著提升，制造业产品质量合格率稳定在94%以上。</p>
        <p>二、重点任务</p>
        <p>（一）实施制造业质量攻关。聚焦汽车、光电子信息等重点产业，组织开展质量攻关。（牵头单位：省经信厅；配合单位：省科技厅、省市场监管局）</p>
        <p>（二）提升农产品质量安全水平。推进农业标准化生产，健全农产品质量安全追溯体系。（牵头单位：省农业农村厅）</p>
        <p>（三）提升工程质量水平。强化工程建设各方主体质量责任，开展工程质量安全专项治理。（牵头单位：省住建厅；配合单位：省交通运输厅、省水利厅）</p>
        <p>（四）提升服务业质量。推动现代物流、金融等生产性服务业标准化发展。（牵头单位：省商务厅）</p>
        <p>三、保障措施</p>
        <p>（一）加强组织领导。省质量强省工作领导小组统筹推进方案实施。（牵头单位：省市场监管局）</p>
        <p>（二）强化资金保障。各级财政统筹安排质量提升工作经费。（牵头单位：省财政厅）</p>
      </div>
    </div>
    <div class="share-print"><a href="javascript:window.print();">【打印本页】</a><a href="javascript:window.close();">【关闭窗口】</a></div>
  </div>
  <div class="xgwj">
    <div class="xgwj-hd">相关文件</div>
    <ul>
      <li><a href="/zwgk/1.shtml">湖北省人民政府关于加快建设质量强省的意见</a><span>2020-06-01</span></li>
      <li><a href="/zwgk/2.shtml">湖北省标准化发展规划</a><span>2019-11-21</span></li>
    </ul>
  </div>
</div>
<div id="footer">
  <p>主办：湖北省人民政府办公厅　承办：湖北省政府门户网站运维中心　电话：027-87231234</p>
  <p>版权所有：湖北省人民政府办公厅　网站标识码：4200000015　鄂ICP备05003303号</p>
</div>
</body>
</html>
"""

# A county site laid out with tables: sidebars of link lists in cells, the heading in td.title, the
# metadata block as label/value cell pairs, the text in a cell whose class names nothing.
COUNTY = """<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>宁海县人民政府</title>
</head>
<body topmargin="0" leftmargin="0">
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td height="120" background="images/top.jpg">宁海县人民政府 <a href="/">首页</a> <a href="/zwgk">政府信息公开</a> <a href="/bs">网上办事</a></td></tr>
</table>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr>
    <td width="220" valign="top" class="left">
      <table width="100%"><tr><td class="lm">信息公开目录</td></tr>
        <tr><td><a href="/zwgk/jg">机构概况</a></td></tr><tr><td><a href="/zwgk/gh">发展规划</a></td></tr>
        <tr><td><a href="/zwgk/wj">政府文件</a></td></tr><tr><td><a href="/zwgk/rs">人事信息</a></td></tr>
      </table>
    </td>
    <td width="780" valign="top">
      <table width="100%" border="0" cellspacing="0" cellpadding="0">
        <tr><td class="wz">您的位置：<a href="/">首页</a> &gt;&gt; <a href="/zwgk">信息公开</a> &gt;&gt; 政府文件</td></tr>
        <tr><td>
          <table width="96%" border="1" align="center" cellpadding="4" class="bg">
            <tr><td width="15%">索引号</td><td width="35%">002567891/2020-12345</td><td width="15%">发布机构</td><td>县政府办公室</td></tr>
            <tr><td>文件编号</td><td>宁政办发〔2020〕45号</td><td>成文日期</td><td>2020-09-28</td></tr>
            <tr><td>发布日期</td><td>2020-10-09</td><td>公开方式</td><td>主动公开</td></tr>
          </table>
        </td></tr>
        <tr><td class="title" align="center">宁海县人民政府办公室关于印发宁海县质量强县建设实施意见的通知</td></tr>
        <tr><td class="t14" style="line-height:28px">
          <p>各乡镇人民政府、街道办事处，县政府各部门、各直属单位：</p>
          <p>经县政府同意，现将《宁海县质量强县建设实施意见》印发给你们，请认真贯彻落实。</p>
          <p align="right">宁海县人民政府办公室</p>
          <p align="right">2020年9月28日</p>
          <p align="center">宁海县质量强县建设实施意见</p>
          <p>为推动我县经济发展质量变革，加快建设质量强县，提出如下意见。</p>
          <p>一、夯实质量基础</p>
          <p>1.加强标准引领。鼓励企业主导或参与制定国家标准、行业标准，打造“宁海标准”。责任单位：县市场监管局、县经信局。</p>
          <p>2.完善计量检测体系。建设模具、文具产业计量测试中心，为企业提供检测服务。责任单位：县市场监管局。</p>
          <p>二、提升质量水平</p>
          <p>3.提升产品质量。开展模具、汽车零部件等产品质量提升行动。牵头单位：县经信局；配合单位：县市场监管局。</p>
          <p>4.提升农产品质量。推进白枇杷、望海茶等特色农产品标准化生产。责任单位：县农业农村局。</p>
          <p>5.提升旅游服务质量。开展旅游服务质量提升行动。牵头单位：县文广旅体局；配合单位：县交通运输局、县市场监管局。</p>
          <p>宁海县人民政府办公室</p>
          <p>2020年9月28日印发</p>
        </td></tr>
        <tr><td align="center"><a href="javascript:window.print()">打印</a> <a href="javascript:window.close()">关闭</a></td></tr>
      </table>
    </td>
  </tr>
</table>
<table width="1000" align="center"><tr><td align="center" class="bottom">版权所有：宁海县人民政府办公室 地址：宁海县跃龙街道桃源中路1号 浙ICP备12345678号 网站标识码：3302260001</td></tr></table>
</body>
</html>
"""

PAGES = {"province_trs_gb2312.htm": PROVINCE, "county_table_layout_gb2312.htm": COUNTY}


def write_html_files(out: Path = OUT) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, page in PAGES.items():
        # GBK, as such sites really serve "gb2312" pages (繁體 is outside GB2312 proper)
        (out / name).write_bytes(page.encode("gbk"))


if __name__ == "__main__":
    write_html_files()
