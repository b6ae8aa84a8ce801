"""Small plan documents shaped like the seeds, for bot tests: a very long clause, a new topic."""

from __future__ import annotations

LONG_NUMBER = "测政办发〔2024〕1号"
LONG_TITLE = "测试市2024年质量强市长篇行动计划"
NEW_NUMBER = "测政办发〔2024〕9号"
NEW_TITLE = "测试市低空经济质量提升行动方案"


def long_plan() -> str:
    """A plan whose clause 一、(一) is ~5,000 characters: its full text needs two messages."""
    sentences = "".join(
        f"第{i}项措施要求各县区围绕标准化示范项目{i}开展对标达标行动,建立企业标准自我声明公开和监督制度,推动团体标准有序发展。"
        for i in range(1, 90)
    )
    return f"""{LONG_NUMBER}
测试市人民政府办公厅关于印发{LONG_TITLE}的通知
各区人民政府,市政府各部门:
《{LONG_TITLE}》已经市政府同意,现印发给你们,请认真贯彻执行。
测试市人民政府办公厅
2024年3月1日
{LONG_TITLE}
一、全面加强标准化建设
(一)推进标准体系建设。{sentences}(市市场监管局牵头,市发改委配合)
(二)加强计量基础能力。开展计量器具强制检定,建设社会公用计量标准。(市市场监管局负责)
二、持续提升产品质量
(三)开展质量提升行动。组织重点产品质量比对,推动企业开展质量改进。(市工信局牵头,市市场监管局配合)
"""


def new_plan() -> str:
    """A plan about a topic no bundled document covers (低空经济、无人机), for the upload tests."""
    return f"""{NEW_NUMBER}
测试市人民政府关于印发{NEW_TITLE}的通知
各区人民政府,市政府各部门:
现将《{NEW_TITLE}》印发给你们,请认真组织实施。
测试市人民政府
2024年6月18日
{NEW_TITLE}
一、提升无人机产品质量
(一)开展无人机质量提升行动。建立无人机产品质量追溯体系,开展无人机整机及零部件质量抽查,培育低空经济质量标杆企业。(市工信局牵头,市市场监管局配合)
(二)完善低空飞行服务保障。建设低空飞行服务站,规范无人机飞行活动管理。(市交通运输局负责)
二、强化低空经济标准引领
(三)制定无人机物流配送地方标准。围绕无人机物流配送、应急救援等场景制定地方标准。(市市场监管局牵头,市工信局、市交通运输局配合)
"""
