"""The catalogue of problem codes: level, Chinese title, message template, how to fix, an example.

Rules fill templates here; they never build sentences. The error-code reference
page is generated from this table.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import idcard
from .problems import ERROR, NOTICE, WARNING, Problem
from .settings import MAX_ECHO_CHARS

#: Who settles a matter between units (the programme's office); messages name it, never another unit's files.
OFFICE = "团省委志愿者工作部"

#: How a suggestion fills the {hint} blank of a template (“did you mean”); the blank is empty without one.
SUGGESTION = "，是不是“{suggestion}”？"
#: How the allowed values fill the {choices} blank of a template; `other=True` adds the free-text 其它 entry.
CHOICES = "（可选：{choices}）"
CHOICES_OR_OTHER = "（可选：{choices}，或“其它: 具体内容”）"
#: A code list longer than this is not spelled out in a message ({choices} stays empty; the suggestion remains).
LISTED_CHOICES = 15


@dataclass(frozen=True)
class CodeEntry:
    code: str
    level: str
    title: str
    template: str
    fix: str
    example: str
    #: What fills {hint} when a rule passes suggestion=…; only templates with a {hint} blank use it.
    hint: str = SUGGESTION


def _entries(*rows: tuple[str, ...]) -> dict[str, CodeEntry]:
    return {row[0]: CodeEntry(*row) for row in rows}


CATALOGUE: dict[str, CodeEntry] = _entries(
    # Loading: the file itself
    ("YML001", ERROR, "文件不是 UTF-8 编码", "文件不是 UTF-8 编码（看起来是 {encoding}），请用 UTF-8 重新保存",
     "在编辑器中选择“另存为”，编码选 UTF-8（记事本：编码选“UTF-8”）。", "用 GBK 编码保存的记录文件"),
    ("YML002", ERROR, "文件过大", "文件有 {size} 字节，超过上限 {limit} 字节，未读取",
     "一个文件只写一名志愿者；删去多余内容（如粘贴进来的长文本）。", "粘贴了整份名单的记录文件"),
    ("YML003", ERROR, "YAML 语法错误", "YAML 语法错误：{detail}",
     "检查该行的缩进和冒号：每行写成“字段: 值”，冒号后留一个空格，值中有冒号时加引号。", "姓名 张三（缺少冒号）"),
    ("YML004", ERROR, "文件为空", "文件为空或只有注释",
     "按 data/volunteers/README.md 中的示例填写全部必填字段，或删除这个文件。", "只有一行注释的文件"),
    ("YML005", ERROR, "文件含多个文档", "一个文件只能写一名志愿者，这里出现了第二个文档（---）",
     "把第二名志愿者写到另一个以其编号命名的文件中。", "两条记录之间用 --- 分隔"),
    ("YML006", ERROR, "顶层不是字段映射", "文件的顶层应为“字段: 值”的映射，实际是{kind}",
     "每行写成“字段: 值”，不要以“- ”开头，也不要只写一个值。", "- 姓名: 张三"),
    ("YML007", ERROR, "字段重复", "字段“{key}”重复出现（第一次在第 {first_line} 行）",
     "删除重复的一行，只保留正确的值。", "两行“手机: …”"),
    ("YML008", ERROR, "使用了锚点或别名", "不允许使用 YAML 锚点（&）或别名（*）",
     "把值直接写出来；每个文件只写一名志愿者。", "服务时间: *默认时间"),
    ("YML009", ERROR, "使用了合并键", "不允许使用合并键 <<",
     "把字段逐个写出来。", "<<: *默认值"),
    ("YML010", ERROR, "使用了标签", "不允许使用 YAML 标签 {tag}",
     "去掉以“!”开头的标签，需要文本时用引号。", "手机: !!str 13812345678"),
    ("YML011", ERROR, "不是普通文件", "记录文件必须是普通文件，这里是{kind}，未读取",
     "用实际文件替换符号链接（或其他特殊文件）。", "指向其他记录的符号链接"),
    ("YML012", ERROR, "值会被 YAML 改写", "未加引号的 {text} 会被 YAML 读成{became}，与所写的不同：{advice}",
     "给号码和“no”“yes”之类的值加上英文双引号。", "QQ: 012345（会被读成八进制数）"),
    ("YML013", WARNING, "缺少编辑器校验注释", "文件开头缺少编辑器校验注释：{pragma}",
     "运行 pingan validate --fix 自动添加，或手工把这一行加到文件开头；编辑器会据此提示字段和取值。", "文件开头没有 yaml-language-server 注释"),
    ("YML014", ERROR, "日期不存在", "{text} 写成了日期，但日历上没有这一天",
     "核对年、月、日：月份为 1–12，日不超过当月天数（2 月只有 28 日，闰年 29 日）。", "登记日期: 2015-02-30"),
    # Settings files
    ("UNI001", ERROR, "单位代码与文件名不一致", "单位代码 {value} 与文件名 {stem}.yaml 不一致",
     "单位文件名应为“代码.yaml”；改正代码或文件名。", "data/units/taiyuan.yaml 中写着 代码: datong"),
    # The record's structure
    ("REC001", ERROR, "缺少必填字段", "缺少必填字段“{field}”",
     "补上该字段；字段名和写法见 data/volunteers/README.md 中的示例。", "没有“手机”一行"),
    ("REC002", ERROR, "不允许的字段", "不允许的字段“{key}”{hint}",
     "只使用登记表中的字段名；改正拼写，或把说明写进“备注”。", "电话: 13812345678（应为“手机”）"),
    ("REC003", ERROR, "值的类型不对", "“{field}”应为{expected}，这里是{actual}",
     "按示例的写法填写：日期写成 2024-05-01，列表每项一行以“- ”开头，文字不需要引号。", "服务时间: 周六（应写成列表）"),
    ("REC004", ERROR, "文字过长", "“{field}”最多 {limit} 个字，这里有 {length} 个字",
     "精简内容，必要的补充写进“备注”。", "通信地址超过 200 字"),
    ("REC005", ERROR, "列表为空", "“{field}”至少要填写一项",
     "在该字段下添加一项，每项一行，以“- ”开头。", "服务项目: []"),
    ("REC006", ERROR, "编号格式错误", "编号“{value}”格式不对，应为“单位代码-5位数字”，如 {unit}-00001",
     "编号由招募单位代码、连字符和 5 位数字组成，与文件名相同。", "编号: 太原001"),
    ("REC007", ERROR, "编号与文件名不一致", "编号 {value} 与文件名 {stem}.yaml 不一致",
     "把文件改名为“编号.yaml”，或改正编号。", "taiyuan-00002.yaml 中写着 编号: taiyuan-00001"),
    ("REC008", ERROR, "编号与招募单位不一致", "编号 {value} 的单位部分 {prefix} 与招募单位 {unit} 不一致",
     "编号开头的单位代码应与招募单位相同。", "招募单位: datong，编号: taiyuan-00001"),
    ("REC009", ERROR, "未知的招募单位", "招募单位“{value}”不在 data/units/ 中{hint}",
     "填写 data/units/ 中的单位代码（文件名，如 taiyuan），不要写中文名称。", "招募单位: 太原市"),
    ("REC010", ERROR, "招募单位与文件夹不一致", "招募单位 {value} 与所在文件夹 {folder} 不一致",
     "把文件放到 data/volunteers/<招募单位>/ 文件夹中。", "data/volunteers/datong/ 中的 太原 记录"),
    # Code lists
    ("CL001", ERROR, "不在代码表中", "“{field}”的值“{value}”不在代码表（{standard}）中{choices}{hint}",
     "从代码表中选择一项，写法要完全一致（较短的代码表会在信息中列出全部可选值；民族等较长的代码表见填报模板的下拉列表）。",
     "民族: 汉"),
    ("CL002", ERROR, "“其它”缺少说明", "“{field}”中的“其它”应写成“其它: 具体内容”",
     "在“其它:”后写明具体内容，如“其它: 社区巡逻”。", "- 其它"),
    ("CL003", ERROR, "一项中写了多个值",
     "“{field}”的一项“{value}”里写了 {count} 个值（{items}），要分成 {count} 项：Excel 的单元格中多个值只用顿号“、”分隔，"
     "YAML 中每项单独一行、以“- ”开头",
     "把这一项拆开：Excel 的一个单元格中多个值之间只用顿号“、”，不用逗号、分号、斜杠或空格；YAML 中每个值单独写一行，以“- ”开头。",
     "- 周六，周日（应为“周六”“周日”两项）"),
    ("IND001", ERROR, "缺少行业", "服务类型为行业平安志愿者时须填写“行业”",
     "添加一行“行业: 交通”（交通 / 住建 / 旅游 / 团员青年 / 教育 之一）。", "服务类型: 行业平安志愿者，但没有“行业”"),
    ("IND002", ERROR, "不应填写行业", "服务类型为{service_type}时不应填写“行业”",
     "删除“行业”一行，或把服务类型改为行业平安志愿者。", "服务类型: 社区平安志愿者，行业: 交通"),
    # 姓名
    ("NAM001", ERROR, "姓名含不允许的字符", "姓名只能由汉字和间隔号“·”组成，第 {pos} 个字符“{char}”不允许",
     "去掉空格、字母、数字和其他符号；少数民族姓名用间隔号“·”分隔。", "姓名: 张 三"),
    ("NAM002", ERROR, "姓名长度不对", "姓名应为 2–30 个字，这里有 {length} 个字",
     "填写身份证上的完整姓名。", "姓名: 张"),
    ("NAM003", WARNING, "姓名中的点已规范化", "姓名中的“{char}”已按间隔号“·”处理，请改写为“·”",
     "用中文输入法输入间隔号“·”（键盘左上角 ~ 键）。", "姓名: 阿依古丽・买买提"),
    # 身份证号码
    ("ID001", WARNING, "身份证号码已规范化", "身份证号码含{what}，已按 {masked} 处理，请直接写规范形式",
     "去掉首尾空格，使用半角数字和大写 X。", "身份证号码: 14012119900101101x"),
    ("ID002", ERROR, "身份证号码格式错误", "身份证号码应为 18 位（17 位数字加 1 位数字或 X），{detail}",
     "对照身份证逐位核对，去掉中间的空格和其他符号。", "身份证号码: 1401211990010110"),
    ("ID003", ERROR, "身份证号码校验不通过",
     "身份证号码校验不通过：请逐位核对全部 18 位与身份证是否一致；如果前 17 位无误，最后一位应为 {expected}",
     "拿身份证逐位核对全部 18 位：最后一位（校验码）由前 17 位算出，前面任何一位抄错都会报这个错，"
     "所以不要直接改最后一位；确认前 17 位无误后，最后一位才按提示改正。", "身份证号码中间某一位抄错，或最后一位写错"),
    ("ID004", ERROR, "身份证号码中的出生日期不存在", "身份证号码第 7–14 位 {digits} 不是有效日期",
     "对照身份证核对第 7–14 位（出生年月日）。", "19900231"),
    ("ID005", ERROR, "身份证号码地区码无效", "身份证号码前 6 位 {code} {detail}",
     "对照身份证核对前 6 位；前 6 位是签发时的县级行政区划代码，改名或撤销的县的代码仍然有效。", "前 6 位 140000"),
    ("ID006", ERROR, "性别与身份证号码不符", "性别为“{value}”，但身份证号码第 17 位表示“{expected}”",
     "核对性别和身份证号码第 17 位（奇数为男，偶数为女）。", "性别: 女，第 17 位为 1"),
    ("ID007", ERROR, "出生日期与身份证号码不符", "出生日期 {value} 与身份证号码中的 {expected} 不一致",
     "出生日期应与身份证号码第 7–14 位相同。", "出生日期: 1990-01-02，身份证为 19900101"),
    # Recruitment conditions (plan 三（一）)
    ("AGE001", ERROR, "登记时年龄不符合条件", "登记日期 {registered} 时年龄为 {age} 周岁，不在 {minimum}–{maximum} 周岁之间",
     "招募条件为 18 至 45 周岁；核对出生日期和登记日期，不符合条件的不能登记。", "登记时 17 周岁"),
    ("RES001", ERROR, "省外户籍缺少在晋居住起始日期", "身份证号码显示户籍不在山西省（{region}），须填写“在晋居住起始日期”",
     "填写本人在山西实际居住的起始日期；在本省实际居住一年以上才能登记。", "身份证号码 110101 开头，无在晋居住起始日期"),
    ("RES002", ERROR, "在晋居住不满一年", "在晋居住起始日期 {start} 距登记日期 {registered} 不满 {years} 年",
     "省外户籍人员须在本省实际居住一年以上；核对日期，不满一年的暂不能登记。", "在晋居住起始日期比登记日期早 3 个月"),
    ("RES003", ERROR, "山西户籍不应填写在晋居住起始日期", "身份证号码显示户籍在山西省，不应填写“在晋居住起始日期”",
     "删除“在晋居住起始日期”一行。", "身份证号码 14 开头，又填写了在晋居住起始日期"),
    # Contacts
    ("PHN001", ERROR, "手机号码格式不对", "手机号码应写成 11 位数字{hint}",
     "只写 11 位数字，不加 +86、空格或横线。", "手机: 138-1234-5678", "，如 {suggestion}"),
    ("PHN002", ERROR, "不是有效的手机号码", "{value} 不是有效的中国大陆手机号码",
     "核对号码；固定电话请写在“固定电话”中。", "手机: 12345678901"),
    ("PHN003", ERROR, "固定电话无效", "固定电话“{value}”无效，应写成“区号-号码”，如 0351-4182850",
     "写上区号和号码，中间用“-”；手机号写在“手机”中。", "固定电话: 4182850"),
    ("QQ001", ERROR, "QQ 号码格式不对", "QQ 号码应为 5–11 位数字，且不以 0 开头",
     "只写数字，不要写邮箱或昵称。", "QQ: abc123"),
    # 所在地区
    ("ARE001", ERROR, "所在地区不是山西省县级行政区", "所在地区“{value}”不是山西省的县级行政区（写法如“太原市小店区”）{hint}",
     "写成“市名+县（区、市）名”，如“晋中市平遥县”；可在填报模板的下拉列表中选择。", "所在地区: 小店区"),
    ("ARE002", WARNING, "所在地区名称已停用", "所在地区“{value}”是已撤销或更名的行政区划名称",
     "改为现行名称（如“大同市南郊区”已并入“大同市云冈区”）。", "所在地区: 大同市南郊区"),
    # Dates and consent
    ("DAT001", ERROR, "登记日期在未来", "登记日期 {value} 晚于今天（{today}）",
     "填写实际登记的日期。", "登记日期: 2099-01-01"),
    ("DAT002", ERROR, "登记日期早于项目开始", "登记日期 {value} 早于项目开始日期 {start}（data/province.yaml）",
     "填写实际登记的日期；项目开始前不可能登记。日期确实无误时，请办公室核对 data/province.yaml 中的“项目开始日期”。",
     "登记日期: 1985-01-02"),
    ("CON001", ERROR, "未确认无犯罪记录",
     "“无犯罪记录”须为“是”（YAML 中写 true），由招募单位核实后填写；未核实或有违法犯罪记录的不能登记",
     "招募单位核实本人无违法犯罪记录后，在 Excel 的“无犯罪记录”列选“是”，或在 YAML 中写“无犯罪记录: true”；"
     "未核实或有违法犯罪记录的不能登记，请删去这一行（或这个文件）。", "无犯罪记录: false（Excel 中选了“否”）"),
    ("CON002", ERROR, "同意日期晚于登记日期", "个人信息同意日期 {consent} 晚于登记日期 {registered}",
     "须先取得本人书面同意再登记；核对两个日期。", "个人信息同意日期比登记日期晚一天"),
)


#: Repository rules (the whole tree) and the pull-request gate; see pingan/rules/repository.py.
CATALOGUE.update(_entries(
    ("PLC001", ERROR, "未知的单位文件夹", "文件夹 {folder} 不是 data/units/ 中的单位代码，其中的文件未读取",
     "记录只能放在 data/volunteers/<单位代码>/ 中；单位代码见 data/units/ 的文件名。", "data/volunteers/太原/taiyuan-00001.yaml"),
    ("PLC002", ERROR, "文件夹层级不对", "{path} 位于多余的子文件夹中，未读取",
     "记录直接放在 data/volunteers/<单位代码>/ 下，不要再建子文件夹。", "data/volunteers/taiyuan/2024/taiyuan-00001.yaml"),
    ("PLC003", ERROR, "不是 YAML 记录文件", "{path} 不是 .yaml 文件，这个文件夹中只能放 YAML 记录或设置文件",
     "把记录保存为“编号.yaml”（扩展名是 .yaml，不是 .yml、.txt 或 .xlsx）；其他文件不要放进 data/。", "data/volunteers/taiyuan/名单.xlsx"),
    ("PLC004", ERROR, "文件名不对", "文件名 {name} 只能由小写英文字母、数字和连字符组成，应为“编号.yaml”",
     "把文件改名为记录中的编号加 .yaml，如 taiyuan-00001.yaml；不用大写字母、汉字和空格。", "data/volunteers/taiyuan/Taiyuan-00001.yaml"),
    ("PLC005", ERROR, "符号链接", "{path} 是符号链接，数据仓库中只能有普通文件和文件夹",
     "删除符号链接，把实际文件放到正确的位置。", "data/volunteers/datong → ../other"),
    ("PLC006", ERROR, "缓存文件不能提交", "{path} 是校验缓存，不能提交到仓库（缓存只在本机或 CI 中生成，提交的缓存一律不读）",
     "用 git rm --cached 删除这个文件并提交；.cache/ 已写在 .gitignore 中，不要强制添加。", ".cache/pingan/validate.txt 被提交"),
    ("QUO001", ERROR, "超出单位名额", "{unit_name}（{unit}）名额 {quota} 人，已登记 {count} 人，超出 {over} 人：{files}",
     "删除或暂缓登记超出的记录（列出的是最近登记的），或请办公室调整名额；名额见 data/units/ 中的单位文件。",
     "太原市名额 1000 人，已登记 1001 人"),
    ("QUO002", ERROR, "超出全省总名额", "全省总名额 {quota} 人，已登记 {count} 人，超出 {over} 人：{files}",
     "删除或暂缓登记超出的记录（列出的是最近登记的），或由办公室调整 data/province.yaml 中的总名额。",
     "总名额 30000 人，已登记 30001 人"),
    ("QUO003", ERROR, "单位名额之和与总名额不符", "各单位名额之和为 {total}，与全省总名额 {quota} 不一致",
     "办公室调整 data/units/ 中的名额或 data/province.yaml 中的总名额，使两者相等。", "各单位名额之和 29990，总名额 30000"),
    ("DUP001", ERROR, "身份证号码重复登记",
     "身份证号码 {masked} 已由{units}登记，一人只能登记一次：请先对照身份证核对号码；号码无误的，"
     f"请联系{OFFICE}确认以哪一条登记为准",
     "先对照身份证核对号码，抄错了就改正。号码无误时：重复的记录都在本单位的，删除多余的文件（或 Excel 中多余的行）；"
     f"另一条在别的单位的，不要自行删除，请联系{OFFICE}，由办公室与对方单位核实后确定保留哪一条。"
     "核实之前，这两条记录都不计入人数。", "大同市登记的志愿者与太原市已登记的一人身份证号码相同"),
    ("DUP002", WARNING, "可能是同一人",
     "姓名、出生日期和手机与{units}登记的志愿者相同，但身份证号码不同，可能是同一人登记了两次：请核对身份证号码，"
     f"仍有疑问的请联系{OFFICE}",
     f"核对身份证号码；确是两个人（如同名同生日、共用手机）可忽略此警告。另一条在别的单位的，需要时请联系{OFFICE}核实。",
     "两个“张伟”，生日和手机相同"),
    ("NUM001", ERROR, "编号不能更改", "记录的编号由 {old} 改成了 {new}：编号一经使用就不再改变",
     "把文件名和“编号”改回原来的编号；志愿者转到其他单位由办公室用 pingan transfer 办理。",
     "taiyuan-00001.yaml 改名为 taiyuan-00099.yaml"),
    ("NUM003", ERROR, "退役编号只能追加", "data/retired-numbers.txt 中的编号 {value} 被删除或改动了：退役编号只能追加，不能删除或修改",
     "恢复 data/retired-numbers.txt 中原有的各行，只在末尾追加新的编号（pingan withdraw 会自动写入）。",
     "合并请求删除了 data/retired-numbers.txt 中的 taiyuan-00003"),
    ("NUM002", ERROR, "编号曾经用过", "编号 {value} 以前用过（在主分支的历史或 data/retired-numbers.txt 中），编号不能给别人再用",
     "新志愿者不要自己写编号：在 Excel 模板中把“编号”留空，由 pingan import 编号；恢复以前退出的记录由办公室办理。",
     "删除 taiyuan-00003 后又新建了 taiyuan-00003.yaml"),
    ("AUT001", ERROR, "无权修改该单位的记录", "账号 {author} 不是{unit_name}（{unit}）的维护者，不能修改 {path}",
     "只修改本单位文件夹中的记录；如需修改，请办公室在 data/units/{unit}.yaml 的“维护者”中加入你的账号。",
     "大同市的维护者修改了太原市的记录"),
    ("AUT003", ERROR, "只有管理员可以修改这个文件", "账号 {author} 不是管理员，不能修改 {path}：单位维护者只能修改"
     "本单位文件夹中的记录（data/volunteers/单位代码/单位代码-五位数字.yaml）和 imports/单位代码/ 中的工作簿",
     "只提交本单位的记录或工作簿；程序、工作流、网站页面、缓存、密钥等文件由办公室（data/province.yaml 中的“管理员”）修改，"
     "请把修改意见告诉办公室。", "单位维护者在合并请求中修改了 pingan/validate.py"),
    ("AUT004", ERROR, "补录旧记录须由管理员提交", "新增记录的登记日期 {registered} 早于 {days} 天以前（{cutoff} 之前），"
     "属于补录，须由管理员提交",
     "核对登记日期是否写错；确是补录旧的纸质登记表时，请把登记表交给办公室，由管理员提交。", "2024 年提交登记日期为 2015-01-02 的新记录"),
    ("AUT005", ERROR, "账号不是任何单位的维护者", "账号 {author} 不是任何单位的维护者，也不是管理员，不能提交这次修改（共 {count} 个文件）",
     "请团省委志愿者工作部在 data/units/单位代码.yaml 的“维护者”中加入你的账号（写明单位和账号），加入后重新运行检查。",
     "新来的单位工作人员第一次提交记录"),
    ("AUT006", ERROR, "转移记录须由办公室办理", "这条新记录带有“原编号”，是从其他单位转来的：转移由办公室（管理员）办理",
     "不要自己在别的单位新建带“原编号”的记录；需要转移时，请团省委志愿者工作部用 pingan transfer 编号 --to 单位代码 办理。",
     "单位维护者提交了带“原编号: datong-00012”的新记录"),
    ("AUT002", ERROR, "只有管理员可以修改", "账号 {author} 不是管理员，不能修改 {path}",
     "单位文件和全省设置由办公室（data/province.yaml 中的“管理员”）修改；请把修改意见告诉办公室。",
     "单位维护者修改了自己单位的名额"),
))


# Excel import (pingan import, imports/<unit>/ in pull requests): the workbook itself
CATALOGUE.update(_entries(
    ("XLS001", ERROR, "身份证号码存成了数字", "身份证号码被存成了数字（{shown}），后几位已经丢失，无法还原",
     ("选中身份证号码这一列，右键“设置单元格格式”→“文本”（WPS 相同），然后在这一格重新输入完整的 18 位号码"
      "（模板中该列已是文本格式；不要把号码粘贴成数字）。"),
     "单元格显示 1.40121E+17"),
    ("XLS002", ERROR, "号码存成了数字", "“{field}”被存成了数字（{shown}），无法准确还原为原来的号码",
     "把该列设为“文本”格式后重新输入；固定电话写成“区号-号码”，如 0351-4182850。", "固定电话显示为 3514182850"),
    ("XLS003", WARNING, "多余的列不导入", "列“{header}”不是模板中的列，这一列的内容不会导入，也不会保存{hint}",
     "需要保存的说明请写进“备注”列；如果这是模板中的某一列、只是列名写错了，请把列名改回模板中的写法。",
     "多加了一列“学院”"),
    ("XLS004", ERROR, "缺少列", "表格缺少这些列：{columns}",
     "用 pingan template 生成的模板填写，不要删除列；不需要填写的列留空即可。", "删除了“备注”列"),
    ("XLS005", ERROR, "编号不存在", "编号“{value}”不是{unit_name}已有志愿者的编号；新志愿者请把编号留空",
     "新登记的志愿者不填编号，导入时自动编号；修改已有志愿者时保留原编号。", "编号: taiyuan-99999"),
    ("XLS006", ERROR, "编号在文件中重复", "编号 {value} 在本文件中出现了多次（第 {first} 行已有）",
     "一名志愿者只占一行；删除重复的行。", "两行的编号都是 taiyuan-00007"),
    ("XLS007", ERROR, "无法读取文件", "无法读取这个文件：{detail}",
     "用 Excel、WPS 或 LibreOffice 另存为不加密码的 .xlsx 文件，或 UTF-8 / GB18030 编码的 .csv 文件。",
     "加了打开密码的工作簿，或旧版 .xls 文件"),
    ("XLS008", ERROR, "找不到名单", "文件中找不到名单：需要一个第一行含“姓名”和“身份证号码”列名的工作表",
     "用 pingan template 生成的模板填写，名单写在“志愿者名单”工作表中。", "列名写在第 5 行"),
    ("XLS009", ERROR, "列名重复", "列名“{header}”出现了不止一次",
     "每个字段只保留一列。", "两列都叫“手机”"),
    ("XLS010", ERROR, "上传位置不对", "{path} 不在某个单位的文件夹中，或该单位不存在；请上传到 imports/单位代码/ 下",
     "在 imports/ 下找到本单位代码命名的文件夹（如 imports/taiyuan/），把工作簿上传到那里。",
     "imports/名单.xlsx"),
    ("XLS011", ERROR, "一次上传了多个文件", "{unit} 一次只能导入一个文件，这里有 {count} 个：{files}",
     "把名单合并到一个工作簿中，或分几次提交。", "imports/taiyuan/ 中有两个工作簿"),
    ("XLS012", ERROR, "工作簿过大或可能是压缩炸弹", "文件超过导入的安全上限，未读取：{detail}",
     ("一个单位的名单用不了这么大的文件：删去多余的工作表、图片和大段内容，在 Excel、WPS 或 LibreOffice 中"
      "另存为新的 .xlsx 文件后重新上传；不要上传来历不明的文件。"),
     "解压后共 2048.0 MiB，上限 50.0 MiB"),
    ("XLS013", ERROR, "表格行数或列数过多", "表格超过导入的行数或列数上限，未读取：{detail}",
     ("名单只写志愿者，一人一行：删除名单下方和右侧多余的行、列（包括只设置了格式的空行），"
      "志愿者较多时分成几个文件分次导入。"),
     "工作表声明的范围是 A1:XFD1048576"),
    ("XLS014", NOTICE, "去掉了首尾空格", "“{field}”开头或末尾有空格，导入时已去掉",
     "不需要处理；以后填写时不要在文字前后加空格。", "工作单位“太原市第五中学 ”"),
    ("XLS015", NOTICE, "按身份证号码填写", "“{field}”没有填写，已按身份证号码填为 {value}",
     "不需要处理；核对这一项与身份证一致即可。", "出生日期留空"),
    ("XLS016", ERROR, "加密的仓库不接受上传的工作簿",
     "本仓库的记录是加密的，{path} 却是上传的工作簿：其中的个人信息没有加密，一经提交就会永远留在提交历史中",
     ("不要合并，删除这个文件；在本单位的电脑上运行 pingan import 文件名.xlsx --unit 单位代码 导入（需先用 "
      "PINGAN_AGE_KEY_FILE 指定本单位的私钥），记录加密后再提交。已经推送的提交中留有明文，请告诉办公室。"),
     "通过网页上传了 imports/taiyuan/名单.xlsx"),
))


# Exemplar stories (docs/stories/posts/): consent of every named person; checked by `pingan site`
CATALOGUE.update(_entries(
    ("STY001", ERROR, "事迹开头信息无法读取", "事迹开头 --- 之间的信息无法读取：{detail}",
     "对照事迹模板 docs/stories/TEMPLATE.md.txt 检查开头部分的缩进、冒号和引号。", "date 2015-05-20（缺少冒号）"),
    ("STY002", ERROR, "人物写法不对", "“人物”应为列表，每项写“姓名”和“同意公开日期”",
     "每个人写两行：“- 姓名: 张三”和“  同意公开日期: 2015-05-10”。", "人物: 张三"),
    ("STY003", ERROR, "缺少同意公开日期", "人物“{name}”缺少同意公开日期（或不是 YYYY-MM-DD 格式的日期）",
     "取得本人书面同意后，填写同意书上的日期，如“同意公开日期: 2015-05-10”；没有书面同意的，从事迹中删去其姓名。",
     "只写了“- 姓名: 张三”"),
    ("STY004", ERROR, "同意日期晚于事迹日期", "人物“{name}”的同意公开日期 {consent} 晚于事迹日期 {date}",
     "须先取得书面同意再发布；核对同意书日期和事迹的 date。", "同意公开日期 2015-06-01，date 2015-05-20"),
    ("STY005", ERROR, "人物未在正文中出现", "人物“{name}”没有出现在事迹中（姓名是否写错？）",
     "“人物”中的姓名要与正文中的写法完全一致；正文中没有这个人，就从“人物”中删去。", "人物写“林晓兰”，正文写“林晓岚”"),
    ("STY006", ERROR, "正文中的志愿者姓名未列入人物", "事迹中出现了志愿者“{name}”的姓名，但没有列入“人物”并写明同意公开日期",
     "取得本人书面同意后把姓名和同意日期列入“人物”；没有同意的，从正文中删去姓名。", "正文写到登记在册的志愿者，人物中没有"),
    ("STY007", ERROR, "事迹中有脚本或嵌入内容", "事迹中不能有脚本、嵌入页面或事件处理代码：{what}",
     ("事迹只发布文字和图片：删去 <script>、<iframe>、<object>、<embed>、onclick= 之类的事件属性和 javascript: 链接；"
      "需要视频或地图时，放一张截图并写上链接。"), "<script src=\"https://example.com/x.js\"></script>"),
    ("STY008", ERROR, "事迹中的表单提交到站外", "事迹中的表单会把读者填写的内容提交到站外地址 {target}",
     "事迹中不能收集读者的信息：删去这个表单；报名请链接到网站的“加入我们”页面。",
     "<form action=\"https://example.com/collect\">"),
))


# The built site before publishing (`pingan leak-check`): no record's personal data may appear in it
CATALOGUE.update(_entries(
    ("LEK001", ERROR, "网站中发现个人信息", "发现{kind} {shown}（记录 {record}）",
     ("从写出这项信息的页面或事迹中删去它（身份证号码、电话、QQ 和住址一律不公开；姓名须本人书面同意，"
      "并列入事迹的“人物”），然后重新运行 pingan site 生成网站、再运行 pingan leak-check；检查通过前不能发布。"),
     "事迹正文中写出了志愿者的手机号码"),
    ("LEK002", ERROR, "网站中有不允许发布的文件", "不允许发布这个文件：{reason}",
     ("网站只发布网页（.md 生成的 HTML）、CSS、JavaScript、SVG 和图片（发布时去掉拍摄信息等元数据），以及 pingan site "
      "自己生成的统计 CSV/Excel 文件、搜索索引、sitemap 和 robots.txt。把这个文件从 docs/ 中删去；"
      "名单、表格和压缩包一律不放在网站上。"), "docs/stories/名单.xlsx"),
))


#: Other wordings of a code for another situation: code → variant → (Chinese label for the code page, template).
#: A rule picks one with make(..., variant="…"); the blanks are filled as in the main template.
VARIANTS: dict[str, dict[str, tuple[str, str]]] = {
    "ENC015": {
        "no_keys": ("本机没有私钥",
                    "本机没有设置私钥（PINGAN_AGE_KEY_FILE），{count} 条加密的记录只检查了明文字段、位置和名额；"
                    "个人信息和跨单位的重复登记由 CI 检查"),
    },
    "DUP001": {
        "same_unit": ("重复的记录都在本单位",
                      "身份证号码 {masked} 与本单位的 {files} 相同，一人只能登记一次：请先对照身份证核对号码，"
                      "号码无误的删除多余的一条"),
        "both": ("本单位和别的单位都有",
                 "身份证号码 {masked} 与本单位的 {files} 相同，又已由{units}登记，一人只能登记一次："
                 f"请先对照身份证核对号码；号码无误的，请联系{OFFICE}确认以哪一条登记为准"),
    },
    "DUP002": {
        "same_unit": ("另一条在本单位",
                      "姓名、出生日期和手机与本单位的 {files} 相同，但身份证号码不同，可能是同一人登记了两次：请核对身份证号码"),
        "both": ("本单位和别的单位都有",
                 "姓名、出生日期和手机与本单位的 {files} 以及{units}登记的志愿者相同，但身份证号码不同，"
                 f"可能是同一人登记了两次：请核对身份证号码，仍有疑问的请联系{OFFICE}"),
    },
}


# Lifecycle (issue 13): 状态, 退出日期, 退出原因, 原编号; `pingan withdraw` and `pingan transfer` write them
CATALOGUE.update(_entries(
    ("LIF001", ERROR, "退出信息不全", "状态为已退出，但缺少“{field}”",
     "已退出的记录要写明退出日期和退出原因；建议用 pingan withdraw 编号 --date 日期 --reason 原因 填写。"
     "如果此人并未退出，删去“状态: 已退出”一行。", "状态: 已退出，但没有“退出日期”"),
    ("LIF002", ERROR, "在册记录不应有退出信息", "“{field}”只在状态为已退出时填写",
     "此人已退出的，加上“状态: 已退出”；仍在册（包括恢复在册）的，删去“退出日期”和“退出原因”两行。",
     "没有“状态”一行，却写了“退出日期”"),
    ("LIF003", ERROR, "退出日期早于登记日期", "退出日期 {value} 早于登记日期 {registered}",
     "核对退出日期：不能早于登记日期。", "登记日期 2024-05-01，退出日期 2024-04-01"),
    ("LIF004", ERROR, "退出日期晚于今天", "退出日期 {value} 晚于今天（{today}）",
     "退出日期是此人实际退出的日期，不能预先填写；到了那一天再提交。", "今天 2026-11-29，退出日期 2026-12-31"),
    ("LIF005", ERROR, "原编号与编号相同", "原编号 {value} 与本记录的编号相同",
     "原编号是转移之前在原单位的编号，由 pingan transfer 填写；不是转移来的记录，删去“原编号”一行。",
     "编号和原编号都是 datong-00012"),
    ("LIF006", ERROR, "原编号格式错误", "原编号“{value}”格式不对，应为“单位代码-5位数字”，如 taiyuan-00001",
     "原编号由 pingan transfer 填写，照抄原单位的编号；不是转移来的记录，删去“原编号”一行。", "原编号: 太原001"),
    ("LIF007", ERROR, "撤回同意的记录不能保留", "此人已撤回个人信息同意，记录 {record_id} 不能保留，须删除",
     "运行 pingan withdraw 编号 --reason 撤回个人信息同意：它删除记录文件并把编号登记在 "
     "data/retired-numbers.txt 中，再按提示请办公室从提交历史中清除。",
     "退出原因: 撤回个人信息同意"),
))


# Encrypted records and key files (issue 15): keyless checks anyone can run, keyed checks where a key opens the file
CATALOGUE.update(_entries(
    ("ENC001", ERROR, "记录没有加密", "本仓库的记录须加密（已设置 keys/ci.txt），这个文件却是明文",
     ("运行 pingan keys sync：它按 keys/ 中的公钥加密本单位的明文记录；以后用 pingan import 或 pingan edit 写记录，"
      "它们直接写出加密文件。明文一旦提交就会留在历史中，已提交的请联系办公室清除。"), "手机: \"13812345678\" 没有加密"),
    ("ENC002", ERROR, "字段没有加密", "“{key}”必须加密，文件中却是明文",
     ("只有编号、招募单位、登记日期、状态、退出日期和原编号不加密；不要直接在加密记录中写字段，"
      "用 pingan edit 编号 修改，它会加密新写的值。"), "加密记录中直接写了 备注: 住院中"),
    ("ENC003", ERROR, "加密的收件人与公钥不符", "这条记录的收件人与 keys/ 中本单位、办公室和 CI 的公钥不一致：{detail}",
     ("运行 pingan keys sync，按 keys/ 中的公钥重新包装每个文件的数据密钥（加密的值不变）；"
      "有人离开的，再运行 pingan keys rotate --unit 单位代码。"), "keys/taiyuan.txt 新增了一个公钥，记录还没有同步"),
    ("ENC004", ERROR, "加密信息无法读取", "文件末尾的 sops 加密信息{detail}",
     "加密信息由 pingan 或 sops 写出，不要手工修改；从提交历史中恢复这个文件，或请办公室用 sops 重新加密。",
     "sops: 之下缺少 age 收件人"),
    ("ENC005", ERROR, "校验码不符", "记录内容与加密时的校验码（MAC）不符：加密之后有字段被改动过",
     ("明文字段（如登记日期）不用密钥也能改，但会被发现：用 pingan edit 编号 修改记录，它会重新计算校验码。"
      "不是本单位改的，请联系办公室查看这个文件的修改历史。"), "直接把 登记日期 从 2015-03-01 改成 2015-03-02"),
    ("ENC006", ERROR, "无法解密", "{detail}",
     "加密的值或数据密钥被改动过，或是从别的文件复制来的：从提交历史中恢复这个文件，或用 pingan edit 重新写这一项。",
     "把另一条记录的 姓名 加密值复制到这里"),
    ("ENC007", ERROR, "文件中有私钥", "文件中出现了 age 私钥（AGE-SECRET-KEY-…）：私钥绝不能放进仓库",
     ("立即删除这个私钥并作废它：用 pingan keys new 生成新私钥，把新公钥换进 keys/，运行 pingan keys sync 和 "
      "pingan keys rotate，再请办公室从提交历史中清除。"), "keys/taiyuan.txt 中粘贴了私钥"),
    ("ENC008", ERROR, "加密记录中有注释", "加密的记录只能有第一行的 schema 注释：注释不加密，可能写进个人信息",
     "删去这条注释；要说明的情况写进“备注”字段（会加密）。", "# 此人电话已停机"),
    ("ENC009", ERROR, "仓库没有启用加密", "本仓库没有设置加密（没有 keys/ci.txt），这条记录却是加密的",
     "由办公室先设置 keys/ 中的公钥并运行 pingan encrypt-all 迁移到加密仓库；之前请提交明文记录。",
     "还没有 keys/ 目录的仓库中出现了 sops 加密的记录"),
    ("ENC010", ERROR, "公钥文件中有无法读取的行", "这一行不是 age 公钥（应写成“age1… # 账号”）",
     "每行一个公钥：pingan keys new 打印的 age1 开头的公钥，空一格，再写“# 账号”。", "age1abc # zhangsan（公钥不完整）"),
    ("ENC011", ERROR, "公钥的账号不是本单位的维护者", "公钥的账号“{login}”不是{unit}的维护者",
     "单位的公钥只能属于 data/units/ 中本单位“维护者”列出的账号：先由管理员把账号加入维护者，或删去这个公钥。",
     "keys/taiyuan.txt 中写了 age1… # lisi，但 lisi 不是太原市的维护者"),
    ("ENC012", ERROR, "公钥文件没有对应的单位", "keys/ 中的 {name} 没有对应的单位",
     "公钥文件以单位代码命名（如 keys/taiyuan.txt），另有 keys/office.txt 和 keys/ci.txt；改正文件名或删去这个文件。",
     "keys/太原.txt"),
    ("ENC013", WARNING, "办公室公钥少于两个", "keys/office.txt 只有 {count} 个公钥：至少要两个，其中一个离线保存",
     "办公室的私钥一旦丢失，就只有 CI 能读记录：再生成一把离线保存的备用私钥，把公钥加进 keys/office.txt，再运行 pingan keys sync。",
     "keys/office.txt 只有一行"),
    ("ENC014", ERROR, "CI 公钥不是一个", "keys/ci.txt 应当正好有一个公钥，现在有 {count} 个",
     "CI 用一把私钥（保存在代码托管平台的机密变量中）检查所有记录：keys/ci.txt 中只写它的公钥。", "keys/ci.txt 是空的"),
    ("ENC015", NOTICE, "其他单位的记录只检查了明文字段", "本机的私钥打不开 {count} 条其他单位的记录：只检查了它们的明文字段、位置和名额；跨单位的重复登记由 CI 检查",
     "这是正常的：每个单位只能读本单位的记录。提交后 CI 用自己的私钥检查全部记录。", "在本单位电脑上运行 pingan validate"),
    ("ENC016", ERROR, "加密字段的问题（CI 不显示内容）", "[{code}] {kind}（这是加密的字段，CI 不显示它的内容）",
     ("CI 的日志所有单位都能看到，所以只说是哪一类问题。在本单位电脑上设置好私钥（PINGAN_AGE_KEY_FILE），"
      "运行 pingan validate 查看完整的说明。"), "身份证号码校验位错误"),
    ("ENC017", ERROR, "跨单位的重复（CI 不逐条列出）", "[{code}] 有 {count} 条记录{kind}，且涉及不止一个单位：CI 不逐条列出，以免把不同单位的记录对应起来",
     "办公室在加密名单的“待核实”表中查看这些记录，并与有关单位核实以哪一条为准。", "两个单位登记了同一个身份证号码"),
))


@dataclass(frozen=True)
class Family:
    """A group of codes sharing a prefix: the section of the error-code page they are listed in."""

    prefix: str
    title: str
    #: Which command reports these codes, when it is not `pingan validate` (shown under the heading).
    note: str = ""


#: Every code prefix with its Chinese title, in the order of the error-code reference page.
FAMILIES: tuple[Family, ...] = (
    Family("YML", "文件与 YAML 格式"), Family("UNI", "单位设置"), Family("REC", "记录结构与编号"),
    Family("CL", "代码表"), Family("IND", "行业"), Family("NAM", "姓名"), Family("ID", "身份证号码"),
    Family("AGE", "年龄"), Family("RES", "户籍与居住"), Family("PHN", "电话"), Family("QQ", "QQ"),
    Family("ARE", "所在地区"), Family("DAT", "日期"), Family("CON", "同意与核实"),
    Family("LIF", "退出与转移"),
    Family("PLC", "文件位置"), Family("QUO", "名额"), Family("DUP", "重复登记"), Family("AUT", "修改权限"), Family("NUM", "编号"),
    Family("XLS", "Excel 导入", "由 `pingan import`、`pingan import-pending` 和合并请求中的 Excel 导入检查报告；"
           "加密仓库中上传到 imports/ 的工作簿（XLS016）也由 `pingan validate` 报告。"),
    Family("STY", "事迹与同意公开", "由 `pingan site` 在生成网站前检查 docs/stories/posts/ 中的事迹时报告。"),
    Family("ENC", "加密与密钥", "加密仓库中（设置了 keys/ci.txt）的记录和公钥文件的检查；不用私钥就能做的检查在每台电脑上都做，"
           "校验码和记录内容的检查只在能解密的地方做（本单位的记录，或 CI 中的全部记录）。"),
    Family("LEK", "网站泄露检查", "由 `pingan leak-check` 在发布前检查生成的网站时报告。"),
)


def prefix_of(code: str) -> str:
    """The letters a code starts with: "ID" for ID003."""
    return code.rstrip("0123456789")


#: Where the error-code reference page stands on the site, relative to the site root (use_directory_urls).
CODES_PAGE = "reference/codes/"
#: How a reader finds the page on the site: the navigation path of mkdocs.yml.
CODES_PAGE_NAV = "工作人员 → 错误代码"
#: What a message may append so that its reader can look the code up (the importer's row messages use it).
LOOKUP = "（代码 {code}，说明见网站“{nav}”中的 {code}）"


def anchor(code: str) -> str:
    """The fixed anchor of a code's entry on the error-code page ("id003"): the heading carries it as {#id003}."""
    return code.lower()


def page_url(code: str) -> str:
    """The code's entry on the site, relative to the site root: "reference/codes/#id003"."""
    return f"{CODES_PAGE}#{anchor(code)}"


def lookup_note(code: str) -> str:
    """“（代码 ID003，说明见网站“工作人员 → 错误代码”中的 ID003）”: where a reader looks `code` up."""
    return LOOKUP.format(code=code, nav=CODES_PAGE_NAV)


def family_of(code: str) -> Family | None:
    """The family a code belongs to (None for a prefix the family table does not list)."""
    prefix = prefix_of(code)
    return next((family for family in FAMILIES if family.prefix == prefix), None)


class UnknownCode(KeyError):
    """A rule asked for a code that the catalogue does not define."""


class Verbatim(str):
    """A parameter the rule composed itself (such as a list of files): masked, never shortened."""


def _echo(value: object) -> str:
    """A value as it may appear in a message: ID numbers masked, at most MAX_ECHO_CHARS."""
    text = idcard.mask_in_text(str(value))
    if isinstance(value, Verbatim):
        return text
    return text if len(text) <= MAX_ECHO_CHARS else text[: MAX_ECHO_CHARS - 1] + "…"


def hint(code: str, suggestion: object | None) -> str:
    """What fills the {hint} blank of `code`: the entry's hint with the suggestion echoed, or "" without one."""
    if suggestion is None or suggestion == "":
        return ""
    return Verbatim(CATALOGUE[code].hint.format(suggestion=_echo(suggestion)))


def choices(values: object, other: bool = False) -> str:
    """What fills a {choices} blank: the allowed values “可选：交通协管、法制宣传、…”, or "" for a long list."""
    listed = [str(value) for value in values] if isinstance(values, (list, tuple)) else []
    if not listed or len(listed) > LISTED_CHOICES:
        return ""
    return Verbatim((CHOICES_OR_OTHER if other else CHOICES).format(choices="、".join(listed)))


def make(code: str, file: str, field: str | None, line: int | None = None, col: int | None = None,
         level: str | None = None, /, **params: object) -> Problem:
    """A Problem for `code`, its message filled from the catalogue template (params by name).

    `suggestion=` (a value, or None for none) fills the {hint} blank from the
    catalogue's own hint text, and `choices=` (the code list; `other=True` when
    “其它: …” is allowed too) the {choices} blank, so no rule builds a sentence.
    `variant=` picks another wording of the code from VARIANTS.
    """
    variant = params.pop("variant", None)
    try:
        entry = CATALOGUE[code]
        template = VARIANTS[code][str(variant)][1] if variant is not None else entry.template
    except KeyError as exc:
        raise UnknownCode(code if variant is None else f"{code}/{variant}") from exc
    if "{hint}" in template:
        params["hint"] = hint(code, params.pop("suggestion", None))
    if "{choices}" in template:
        params["choices"] = choices(params.pop("choices", ()), bool(params.pop("other", False)))
    message = template.format(**{key: _echo(value) for key, value in params.items()})
    return Problem(file, line, col, code, level or entry.level, field, message)


__all__ = ["CATALOGUE", "FAMILIES", "CodeEntry", "Family", "family_of", "prefix_of", "Verbatim", "hint", "make",
           "SUGGESTION", "ERROR", "WARNING", "NOTICE", "OFFICE", "VARIANTS", "CODES_PAGE", "choices", "anchor", "page_url", "lookup_note"]
