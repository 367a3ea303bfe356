"""The content screen: content.md's categories, look-alikes, spans and JSON, and the tune split's figures."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from faircollect.content.evaluate import evaluate
from faircollect.content.lexicon import CATEGORIES, lexicon
from faircollect.content.screen import (
    BLOCK,
    MODEL_BLOCK_P,
    MODEL_REVIEW_P,
    REVIEW,
    ScreenResult,
    detect_lang,
    model_score,
    screen,
    screen_many,
)

pytestmark = pytest.mark.filterwarnings("error")


def categories(result: ScreenResult) -> set[str]:
    return {finding.category for finding in result.categories}


def spans_text(result: ScreenResult, category: str) -> list[str]:
    """The original substrings a category's spans cover."""
    for finding in result.categories:
        if finding.category == category:
            return [result.text[start:end] for start, end in finding.spans]
    raise AssertionError(f"no {category} finding in {result.to_json()}")


# --- content.md's look-alikes stay clean ---------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "请您尽快还款",
        "请您尽快还款，以免产生更多罚息",
        "逾期将影响您的征信记录",
        "我们可能依法提起诉讼",
        "我司已向法院提交起诉材料，法院将依法向您送达文书",
        "我们不会上门",
        "我司不会安排任何人员上门催收",
        "谨防不法分子冒充公安、法院要求转账，公安机关不会通过电话要求您转账",
        "您好，麻烦您转告张先生回个电话，谢谢",
        "如您短期资金紧张，可申请我司的延期还款服务",
        "针对困难客户，我们可以为您减免部分罚息或申请分期",
        "请不要为了还款去借高利贷或网贷",
        "欠款属于民事纠纷，不会因此坐牢，但会影响信用",
        "我们不会向您的同事或家人透露任何借款信息",
        "Please pay as soon as you can to avoid further late fees.",
        "Late payments may be reported to credit bureaus.",
        "Continued non-payment may lead us to start court proceedings.",
        "We will not contact your employer.",
        "We're not going to send anyone round.",
        "Beware of scammers posing as police officers demanding payment.",
        "Please have Chris give me a call when he gets a chance.",
        "If you're struggling, we can offer a payment plan or a hardship extension.",
        "Please don't take out another loan to pay us.",
    ],
)
def test_lawful_look_alikes_are_clean(text: str) -> None:
    result = screen(text)
    assert result.verdict == "ok", result.to_json()
    assert result.categories == ()


# --- obfuscated abuse is caught, with spans on the ORIGINAL text -------------------------


@pytest.mark.parametrize(
    ("text", "covered"),
    [
        ("你个傻b，还钱", "傻b"),
        ("你个s.b，还不还", "s.b"),
        ("煞笔，赶紧还钱", "煞笔"),
        ("sha bi 一个", "sha bi"),
        ("F*ck you, pay the $340", "F*ck"),
        ("傻 逼 还 钱", "傻 逼"),
        ("ＳＢ，看到短信马上回电", "ＳＢ"),
        ("你這個垃圾", "你這個垃圾"),
        ("a$$hole, answer your phone", "a$$hole"),
        ("Hey d1ckhead, pay up", "d1ckhead"),
        ("你个沙比", "沙比"),
    ],
)
def test_obfuscated_insults_are_caught_with_original_spans(text: str, covered: str) -> None:
    result = screen(text, use_model=False)
    assert result.verdict == "block"
    assert covered in spans_text(result, "insult")


def test_traditional_jail_claim_is_deception_with_its_span() -> None:
    result = screen("還錢不然讓你坐牢", use_model=False)
    assert categories(result) == {"deception"}
    assert spans_text(result, "deception") == ["讓你坐牢"]


def test_spans_are_code_points_even_after_astral_characters() -> None:
    text = "😀𠀀 你个傻逼"
    result = screen(text, use_model=False)
    (finding,) = result.categories
    (start, end) = finding.spans[0]
    assert text[start:end] == "傻逼"
    assert (start, end) == (5, 7)


# --- every category, in both languages ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("你这种人渣就活该被人看不起", "insult"),
        ("You're a worthless deadbeat.", "insult"),
        ("再拖我们就去你单位闹", "threat"),
        ("我们会上门", "threat"),
        ("xiao xin ni jia ren", "threat"),
        ("We know where your kids go to school.", "threat"),
        ("We're going to show up at your work and make a scene.", "threat"),
        ("这里是人民法院，不到庭直接拘留", "deception"),
        ("我们是市公安局经侦支队的", "deception"),
        ("If you don't pay today you will be arrested.", "deception"),
        ("There is a $75 processing fee for every call we make.", "deception"),
        ("再不还钱我们就爆你通讯录", "privacy"),
        ("不还就发到你朋友圈", "privacy"),
        ("bao tong xun lu 了解一下？", "privacy"),
        ("We'll tell your boss you don't pay your debts.", "privacy"),
        ("Hi, is this Michael's mom? He owes us $1,250.", "privacy"),
        ("去借个网贷，借新还旧，很正常", "inducement"),
        ("信用卡套现一下不就能还了吗", "inducement"),
        ("穷成这样还不去卖肾？", "inducement"),
        ("Just take out a payday loan and pay us off.", "inducement"),
        ("Borrow from another lender, we don't care how.", "inducement"),
    ],
)
def test_each_category_is_caught(text: str, category: str) -> None:
    result = screen(text, use_model=False)
    assert result.verdict != "ok"
    assert category in categories(result), result.to_json()


def test_insult_and_threat_in_one_message_give_one_finding_each() -> None:
    result = screen("傻逼，再不还钱老子弄死你", use_model=False)
    assert categories(result) == {"insult", "threat"}
    assert len(result.categories) == 2


# --- negation and lawful context ------------------------------------------------------------


@pytest.mark.parametrize(
    ("harmful", "negated"),
    [
        ("我们会上门", "我们不会上门"),
        ("再不还就爆你通讯录", "本平台不会读取您的通讯录，也不会爆通讯录"),
        ("欠款不还会被拘留15天", "欠款不会因此被拘留"),
        ("We'll tell your boss about this debt.", "We will never tell your boss about this debt."),
        ("We're sending someone round tonight.", "We're not sending anyone round."),
        ("Put it on your credit card.", "We'd rather you didn't put it on a credit card."),
    ],
)
def test_negation_clears_the_hit(harmful: str, negated: str) -> None:
    assert screen(harmful, use_model=False).verdict != "ok"
    assert screen(negated, use_model=False).verdict == "ok"


def test_the_condition_of_a_threat_is_not_a_negation() -> None:
    result = screen("If you don't pay, we will come to your house.", use_model=False)
    assert "threat" in categories(result)


def test_anti_fraud_warning_with_police_words_is_clean() -> None:
    assert screen("警方提醒：接到自称网贷清查办的电话请直接挂断").verdict == "ok"
    assert screen("【公安部反诈中心】您的网贷欠款涉嫌违法，请立即还款至指定账户").verdict == "block"


# --- frames by kind of statement (issue 4): each with a harmful line and a look-alike ------
# Written for these tests, not taken from any evaluation set: the harmful line states the kind
# in new words, the look-alike shares its words but says something lawful.

FRAMES = [
    ("threat", "明早我们的人在你小区门口等你，别想绕路。", "您可以到我司营业厅办理，工作人员会在柜台等您。"),
    ("threat", "周末我们外访同事会到你老家转一圈。", "我们不会到您老家，也不会联系您的亲戚。"),
    ("threat", "你不回电话？那我们就上门了。", "经您同意，我们已预约周五在网点面谈。"),
    ("threat", "我们不碰你，你家里老人就不一定了。", "您家里老人身体要紧，还款的事我们可以慢慢谈。"),
    ("threat", "今晚给你家门口放个花圈，提前庆祝一下。", "我们可以为您办理分期，减轻家庭负担。"),
    ("threat", "再拖下去，我们就按我们的方式来了。", "再拖下去会影响征信，建议您尽快联系我们协商。"),
    ("threat", "你知道之前那个不还钱的客户后来怎么样了吗？", "之前提交的减免申请已经通过，请查收短信。"),
    ("threat", "你女儿每天几点从补习班出来，我们心里有数。", "您可以把还款日设在发工资后，我们帮您调整。"),
    ("threat", "下次就不是打电话了，懂吧。", "下次还款日是15号，请留意账户余额。"),
    ("threat", "你家那只猫挺可爱的，叫什么名字？", "感谢您按时还款，祝您生活愉快。"),
    ("deception", "技术部已经冻结了你名下的支付宝，还清才解冻。", "我们无法冻结您的支付宝或银行卡，请放心。"),
    (
        "deception",
        "我们已经把你的情况报给公安了，等着做笔录吧。",
        "如遇冒充我司的诈骗电话，请向公安机关报案。",
    ),
    ("deception", "你这就是诈骗，不是欠钱那么简单。", "欠款属于民事纠纷，逾期不属于诈骗。"),
    ("deception", "逾期罚款每天300元，已经累计六千多了。", "逾期将按合同约定计收罚息，详见借款合同第八条。"),
    ("deception", "律师费和差旅费合计3000元由你承担，今天一起转过来。", "诉讼费用的承担以法院生效判决为准。"),
    ("deception", "本人系区法院执行局工作人员，请你配合。", "本人是禾木分期客服小李，请问您方便通话吗？"),
    ("deception", "明天系统自动开庭，到时候就晚了。", "我司已向法院提交材料，开庭时间以法院传票为准。"),
    ("deception", "你的紧急联系人就是担保人，他也得还。", "紧急联系人不承担还款责任，我们只请其转告您回电。"),
    (
        "privacy",
        "你好，你是王磊的同事吧？他在我们这欠钱不还。",
        "你好，请问是王磊的同事吗？麻烦转告他回个电话。",
    ),
    ("privacy", "麻烦您督促她尽快还钱，不然影响不好。", "麻烦您转告她回个电话，谢谢。"),
    ("privacy", "你欠款的截图我们已经发给你表哥了。", "您的还款凭证已发送到您本人邮箱。"),
    ("privacy", "你是想先通知你爸还是先通知你领导？", "您想先处理哪一笔账单？我们可以逐笔说明。"),
    (
        "inducement",
        "下载那个“快来借”，半小时就放款，先还我们。",
        "您可以申请我们的延期方案，不需要借别的钱。",
    ),
    ("inducement", "你信用卡额度刷出来转给我们就行。", "您可以用本人储蓄卡还款，我们不建议透支信用卡。"),
    ("inducement", "把孩子的学费先挪一下，开学再说。", "孩子的学费请优先保留，还款计划我们可以调整。"),
    ("inducement", "家里电视冰箱挂闲鱼卖了，钱就有了。", "您不需要变卖家电，我们可以申请延期。"),
    ("inducement", "多申请几家平台，总有一家能批。", "如有困难，请申请我司的分期方案。"),
    ("insult", "你连条狗都不如，狗还会看家。", "我们理解您的困难，一起想办法。"),
    ("insult", "就你这德行，难怪没人愿意借你钱。", "根据您的情况，我们可以减免部分罚息。"),
    ("insult", "恭喜你荣获本季度“拖欠冠军”称号。", "恭喜您已结清全部欠款，感谢支持。"),
    ("threat", "Your son's school lets out at 3:30, right?", "Your payment is due on the 3rd, right?"),
    (
        "threat",
        "Our field team aren't as patient as I am.",
        "Our team is happy to be patient while you get back on your feet.",
    ),
    (
        "threat",
        "Think about your family before you ignore us again.",
        "We can pause calls while you talk it over with your family.",
    ),
    (
        "threat",
        "It'd be a pity if that nice van of yours went missing.",
        "If your van is needed for work, tell us and we'll factor that in.",
    ),
    (
        "deception",
        "Missing this payment is a felony in this state.",
        "Missing this payment is not a crime; it is a civil matter.",
    ),
    (
        "deception",
        "Your Social Security will be garnished next week.",
        "Social Security benefits are generally protected from garnishment.",
    ),
    (
        "deception",
        "Interest will triple tomorrow unless you pay tonight.",
        "Interest continues at the rate in your agreement.",
    ),
    (
        "deception",
        "This debt can't be discharged in bankruptcy.",
        "Whether to file for bankruptcy is your choice; an adviser can explain it.",
    ),
    (
        "privacy",
        "Is this Sam's roommate? Sam owes us $800 and keeps dodging us.",
        "Is this Sam's roommate? Please ask Sam to call Jordan at 555-0142.",
    ),
    (
        "privacy",
        "Your landlord knows about your debt now.",
        "We never discuss your account with your landlord.",
    ),
    (
        "privacy",
        "As his mother, you should get him to pay.",
        "We can only discuss the account with the account holder.",
    ),
    (
        "inducement",
        "Do a cash advance on your other card and pay us today.",
        "Please don't use a cash advance to pay us; a plan is better.",
    ),
    (
        "inducement",
        "Skip the rent this month and send it to us.",
        "Keep paying your rent first; we'll fit around it.",
    ),
    (
        "inducement",
        "Remortgage the house, there's plenty of equity.",
        "You don't need to borrow against your home to deal with this.",
    ),
    ("insult", "You absolute muppet, the link was right there.", "No problem, I'll resend the link now."),
]


@pytest.mark.parametrize(("category", "harmful", "lookalike"), FRAMES)
def test_each_frame_catches_its_kind_and_leaves_its_look_alike(
    category: str, harmful: str, lookalike: str
) -> None:
    assert category in categories(screen(harmful, use_model=False)), screen(
        harmful, use_model=False
    ).to_json()
    assert screen(lookalike, use_model=False).verdict == "ok", screen(lookalike, use_model=False).to_json()


@pytest.mark.parametrize(
    "text",
    [
        "质检备注：坐席说“我们知道你孩子在哪上学”，属恐吓，扣分。",
        "培训：严禁使用“坐牢”“通缉”等说法，欠款是民事纠纷。",
        "投诉处理：您反映催收员说要“挂你朋友圈”，经核查属实，已处分。",
        "Training: never tell a borrower 'we know where you live' or anything like it.",
        "QA note: the agent said 'your boss will hear about this'. Coaching required.",
        "Complaint received: customer says our agent called him a 'deadbeat'. Escalated to Compliance.",
    ],
)
def test_meta_discourse_quoting_abuse_is_clean(text: str) -> None:
    """QA notes, training, complaints: they quote harmful words without saying them to anyone."""
    assert screen(text, use_model=False).verdict == "ok", screen(text, use_model=False).to_json()


def test_a_rhetorical_question_is_not_a_negation() -> None:
    assert "inducement" in categories(screen("你不是有信用卡吗？刷出来还我们。", use_model=False))
    assert screen("我们不会让您刷信用卡还款。", use_model=False).verdict == "ok"


def test_cantonese_negation_clears_the_hit() -> None:
    assert "threat" in categories(screen("我哋聽日會上門。", use_model=False))
    assert screen("我哋唔會上門，請放心。", use_model=False).verdict == "ok"


# --- transcripts: only the collector's turns are the collector's words --------------------


@pytest.mark.parametrize(
    ("harmful", "lookalike"),
    [
        (
            "客户：我手头紧。\n坐席：那你去借个网贷先还上。",
            "客户：要不我去借个网贷先还上？\n坐席：不用这样，我们可以给您办延期。",
        ),
        (
            "Customer: I can't pay this week.\nAgent: Then put it on your credit card.",
            "Customer: Should I just put it on my credit card?\nAgent: No need, we can set up a plan.",
        ),
        (
            "家属：他欠你们多少？\n坐席：他欠我们两万，你让他赶紧还。",
            "家属：他是不是欠你们钱了？\n坐席：抱歉，账户信息只能和本人沟通，麻烦请他回电。",
        ),
    ],
)
def test_words_in_the_borrowers_turn_are_not_the_collectors(harmful: str, lookalike: str) -> None:
    assert screen(harmful, use_model=False).verdict != "ok"
    assert screen(lookalike, use_model=False).verdict == "ok", screen(lookalike, use_model=False).to_json()


class FakeCollection:
    veto = 0.0

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], list[str]]] = []

    def threshold_for(self, lang: str) -> float:
        return 0.99

    def assess(
        self, texts: Sequence[str], normalised: Sequence[str]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        self.calls.append((list(texts), list(normalised)))
        return np.zeros((len(texts), len(CATEGORIES)), dtype=np.float64), np.zeros(
            len(texts), dtype=np.float64
        )


def test_the_collection_model_gets_the_original_text_and_the_normalised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeCollection()
    monkeypatch.setattr("faircollect.content.screen._collection_model", lambda: fake)
    screen("We know where you live, Ｍｒ Smith.", model=FakeScorer(0.0))
    assert fake.calls == [(["We know where you live, Ｍｒ Smith."], ["weknowwhereyoulivemrsmith"])]


# --- English word boundaries -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Your class of account has been reviewed.",
        "The assessment of your income is attached.",
        "Our Scunthorpe office will write to you.",
        "Please pass the message on to your assistant.",
        "Flat 2B, 14 Elm Court",
        "e.g. the U.S. court listed on the notice",
    ],
)
def test_innocent_words_containing_abuse_stay_clean(text: str) -> None:
    # Word boundaries are the rules' business. The collection model, which judges whole messages,
    # sends two of these to review (a relay and a court mention: docs/content.md lists them).
    assert screen(text, use_model=False).verdict == "ok"


# --- the JSON object of content.md ---------------------------------------------------------


def test_json_shape_is_exactly_content_md() -> None:
    harmful = screen("傻逼，再不还钱老子弄死你", use_model=False).to_json()
    assert set(harmful) == {"text", "verdict", "categories"}
    assert harmful["verdict"] in {"review", "block"}
    assert harmful["categories"]
    for finding in harmful["categories"]:
        assert set(finding) == {"category", "score", "spans", "rule"}
        assert finding["category"] in CATEGORIES
        assert 0.0 <= finding["score"] <= 1.0
        assert finding["rule"] in {"lexicon", "model", "pattern"}
        assert all(isinstance(s, list) and len(s) == 2 and s[0] < s[1] for s in finding["spans"])
    clean = screen("请您尽快还款").to_json()
    assert clean == {"text": "请您尽快还款", "verdict": "ok", "categories": []}


@pytest.mark.parametrize(
    "text", ["傻逼", "请您尽快还款", "我们会上门", "你们家那辆车挺好看", "We know where you live.", ""]
)
def test_verdict_is_ok_exactly_when_categories_is_empty(text: str) -> None:
    result = screen(text)
    assert (result.verdict == "ok") == (result.categories == ())
    assert all(f.score >= REVIEW for f in result.categories)
    if result.categories:
        expected = "block" if max(f.score for f in result.categories) >= BLOCK else "review"
        assert result.verdict == expected


def test_screen_many_agrees_with_screen() -> None:
    texts = ["傻逼", "请您尽快还款", "We'll tell your boss.", "我们会上门"]
    assert screen_many(texts, use_model=False) == [screen(t, use_model=False) for t in texts]


def test_lang_selects_the_rules_and_is_checked() -> None:
    assert screen("你个傻逼", lang="zh", use_model=False).verdict == "block"
    assert screen("You moron.", lang="en", use_model=False).verdict == "block"
    assert screen("你个傻逼", lang="en", use_model=False).verdict == "ok"
    with pytest.raises(ValueError, match="lang"):
        screen("hello", lang="fr")


def test_detect_lang_by_share_of_han() -> None:
    assert detect_lang("请您尽快还款") == "zh"
    assert detect_lang("Please pay today") == "en"
    assert detect_lang("sha bi 一个，1200块都还不上") == "zh"


# --- the model layer (with a fake scorer: the real one is measured on the tune split) ---


class FakeScorer:
    def __init__(self, probability: float) -> None:
        self.probability = probability
        self.seen: list[str] = []

    def score(self, texts: Sequence[str]) -> NDArray[np.float64]:
        self.seen.extend(texts)
        return np.full(len(texts), self.probability, dtype=np.float64)


def test_model_adds_an_insult_over_the_whole_text_when_confident() -> None:
    fake = FakeScorer(0.999)
    text = "一个大男人欠钱不还，窝不窝囊"
    result = screen(text, model=fake)
    (finding,) = result.categories
    assert (finding.category, finding.rule, finding.spans) == ("insult", "model", ((0, len(text)),))
    assert finding.score >= BLOCK
    assert fake.seen == ["一个大男人欠钱不还窝不窝囊"]  # normalised text


def test_model_below_its_threshold_adds_nothing() -> None:
    assert screen("一个大男人欠钱不还，窝不窝囊", model=FakeScorer(MODEL_REVIEW_P - 0.01)).verdict == "ok"


def test_model_is_not_asked_when_it_cannot_help() -> None:
    fake = FakeScorer(0.999)
    screen("傻逼，还钱", model=fake)  # the lexicon already found the insult
    screen("Please pay today", model=fake)  # English
    screen("谨防骗子冒充我司客服", model=fake)  # talks about fraudsters
    screen("一个大男人欠钱不还", model=fake, use_model=False)
    assert fake.seen == []


def test_model_score_mapping_is_monotone_with_the_thresholds() -> None:
    assert model_score(MODEL_REVIEW_P) == pytest.approx(REVIEW)
    assert model_score(MODEL_BLOCK_P) == pytest.approx(BLOCK)
    assert model_score(1.0) == pytest.approx(1.0)
    grid = [model_score(p) for p in np.linspace(0.0, 1.0, 101)]
    assert grid == sorted(grid)


# --- the lexicon data -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_category_has_rules_in_both_languages(lang: str) -> None:
    lex = lexicon(lang)
    with_patterns = {p.rule.category for p in lex.patterns}
    assert set(CATEGORIES) <= with_patterns


# --- measured on the tune split (the holdout is reported, never asserted on here) -----------


def rate(value: float | None) -> float:
    assert value is not None
    return value


def test_tune_split_meets_the_targets() -> None:
    report = evaluate("tune")
    table = report.to_markdown()
    overall = report.overall
    assert rate(overall.harmful_recall) >= 0.95, table
    assert rate(overall.right_category_rate) >= 0.90, table
    assert rate(overall.lookalike_false_alarm_rate) <= 0.03, table
    for lang in ("zh", "en"):
        counts = report.by_lang[lang]
        assert rate(counts.harmful_recall) >= 0.95, table
        assert rate(counts.lookalike_false_alarm_rate) <= 0.03, table


def test_evaluate_rejects_an_unknown_split() -> None:
    with pytest.raises(ValueError, match="split"):
        evaluate("all")
