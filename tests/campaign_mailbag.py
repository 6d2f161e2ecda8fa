"""An invented mailbag for campaign detection: campaigns with personal variation, and
distinct letters on the same themes in the writers' own words.

Deterministic for a seed; used by the campaign tests and bench/bench_campaigns.py. Every name and
address is invented.
"""

from __future__ import annotations

import random
import textwrap
from dataclasses import dataclass

from correspondence.services.demo.demo_letters import NSPCC_CAMPAIGN_LETTER

# The campaign texts, without salutation or sign-off (each supporter adds their own).
CAMPAIGNS: tuple[tuple[str, str], ...] = (
    ("NSPCC", NSPCC_CAMPAIGN_LETTER.split("\n\n", 1)[1].rsplit("\n\n", 1)[0]),
    (
        "Children are Unbeatable",
        """\
I am writing as a supporter of the Children are Unbeatable alliance to ask the Government \
to give children the same legal protection from assault as adults.

The reasonable punishment defence, retained in section 58 of the Children Act 2004, \
tells parents that hitting children is acceptable. Research shows that physical \
punishment does not improve behaviour and can escalate into abuse. Most countries in \
Europe have already ended it.

Children are the only people in this country whom it is still lawful to hit. A clear \
law, backed by positive parenting support for families, would protect them and help \
parents.

When Parliament reviews section 58 I urge you to support its repeal, so that children \
are protected from all forms of violence.

I look forward to hearing what the Government intends to do.""",
    ),
    (
        "UNISON",
        """\
I am a member of UNISON and I work in children's social care. I am writing to ask you \
to act on the crisis in social work that the death of Baby Peter has exposed.

Caseloads in many teams are far too high for anyone to see every child properly. \
Vacancy rates are rising, agency staff fill the gaps, and experienced social workers are \
leaving the profession because they feel blamed and unsupported.

The Social Work Task Force must recommend a national limit on caseloads, protected \
time for supervision, and proper training and induction for newly qualified social \
workers. Councils need ring-fenced funding to recruit and keep staff.

Front-line workers want to protect children. Please give us the conditions to do it.""",
    ),
)

FIRST = (
    "Alison Brendan Carys Declan Eleri Fergus Gwen Hamish Imogen Jasper Kirsty Lionel "
    "Morwenna Niall Olwen Piers Rhian Seamus Tamsin Ulric Verity Wilf Yasmin Zac "
    "Amara Bilal Chidi Dorota Emeka Fatima Goran Hana Idris Jolanta Kwame Leila"
).split()
LAST = (
    "Ashdown Brackley Carrow Denholm Elstow Farrant Gorringe Hebden Inchley Jessop Kettering "
    "Loxley Marchbank Netherton Oakridge Pellow Quennell Rudstone Selwood Thackray Upfield "
    "Venning Wardle Yelland Abara Bukola Chaudry Dziedzic Eze Farouk Grabowski Hussein"
).split()
TITLES = ("Mr", "Mrs", "Ms", "Miss", "Dr")
STREETS = "Acre Lane,Beech Close,Canal Row,Dene Road,Elm Walk,Fore Street,Glebe Way".split(",")
TOWNS = "Ashby,Bramford,Colnbrook,Dunmere,Eastwick,Fenwold,Gosford,Harwell,Ilmer".split(",")
MPS = (("Margaret", "Ellery"), ("Dafydd", "Pryce"), ("Olu", "Adeyemi"), ("Helen", "Strand"))

SALUTATIONS = ("Dear Secretary of State", "Dear Mr Balls", "Dear Minister", "Dear Sir",
               "Dear Ed Balls", "Dear Sir or Madam")  # fmt: skip
SIGN_OFFS = ("Yours sincerely", "Yours faithfully", "Best wishes", "Kind regards", "Regards")
OPENERS = (
    "As a mother of three young children I feel very strongly about this.",
    "I have never written to a minister before, but I cannot stay silent.",
    "As a retired primary school teacher I saw too many children let down.",
    "I am a grandmother and I think about this every day.",
    "My husband and I are foster carers and this matters enormously to us.",
    "I was a health visitor for twenty years before I retired.",
    "Like so many people in my town I was deeply upset by the news.",
    "I am a student nurse and I want to see real change.",
    "I work as a childminder and I care about every child I look after.",
    "I am writing on behalf of myself and my wife.",
    "Please forgive my handwriting, I am not as young as I was.",
    "I was moved to write after watching the news last night.",
)
CLOSERS = (
    "Thank you for taking the time to read my letter.",
    "I would be grateful for a reply.",
    "I hope you will listen to ordinary people on this.",
    "Please do not let this be forgotten.",
)

# Own-words letters: sentences built from parts, so two letters rarely share a sentence.
THEME_PARTS: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("The death of Baby Peter", "What happened in Haringey", "The Baby P case",
         "The failure to protect that little boy", "The tragedy in north London",
         "The way that child was let down", "Everything we learned about Peter's life",
         "The court case last autumn"),
        ("has shaken my faith in", "shows how badly we need to reform",
         "raises serious questions about", "must lead to a review of",
         "was caused in part by failings in", "should make us all think again about",
         "exposed the weakness of", "left me angry about"),
        ("the way councils protect children.", "social services across the country.",
         "how doctors, police and social workers share information.",
         "the inspection of children's services by Ofsted.", "local management and leadership.",
         "the people who are paid to keep children safe.", "the checks made on families.",
         "the culture of blame in public services."),
    ),
    (
        ("Smacking", "A light smack", "Physical punishment of children", "The smacking law",
         "Hitting a child", "Any ban on smacking", "Correcting a toddler",
         "The reasonable chastisement defence"),
        ("should never be confused with", "is a matter for parents and not",
         "has nothing to do with", "is very different from", "ought to be judged against",
         "would be criminalised by", "is being mixed up with", "must be kept apart from"),
        ("the abuse we read about in the papers.", "the state or the courts.",
         "loving discipline in a family home.", "real cruelty to children.",
         "what most parents in my street think.", "the views of grandparents like me.",
         "the nanny state telling us how to live.", "the teaching of right and wrong."),
    ),
    (
        ("Social workers in my area", "The social workers I know", "Our local children's team",
         "Newly qualified social workers", "Experienced practitioners", "My daughter, who is a "
         "social worker,", "The family support staff at our school", "Agency social workers"),
        ("tell me they are", "are leaving because they are", "say they feel",
         "have complained for years of being", "are now openly described as",
         "are too often", "go home every night", "have told their union they are"),
        ("overworked and undervalued.", "blamed for every failure.",
         "without the supervision they need.", "drowning in paperwork and IT systems.",
         "expected to do the impossible.", "paid less than a supermarket manager.",
         "unable to see children as often as they should.", "frightened of the newspapers."),
    ),
    (
        ("Serious Case Reviews", "The reviews of child deaths", "Local Safeguarding Boards",
         "The executive summaries", "Independent chairs of the boards",
         "Ofsted's evaluations of reviews", "The Haringey review", "Reviews in my county"),
        ("should be published so that", "are too often kept secret, yet",
         "must be independent if", "need more teeth because", "have failed because",
         "are written by insiders so", "cost a fortune although", "are late and"),
        ("the public can learn the lessons.", "nobody is ever held to account.",
         "the same mistakes are repeated.", "agencies mark their own homework.",
         "families deserve the truth.", "ministers never read them.",
         "the lessons are forgotten within a year.", "councils hide behind them."),
    ),
)  # fmt: skip
GLUE = (
    "I would like to know what the Government will do about this.",
    "Please can you explain your department's position.",
    "I look forward to your reply.",
    "My family and I have talked about little else.",
    "This is not the first time I have raised this.",
    "It seems to me that nobody in charge is listening.",
)


@dataclass(frozen=True)
class MailLetter:
    text: str
    campaign: int | None  # index into CAMPAIGNS, None for a letter in the writer's own words
    title: str
    first_name: str
    last_name: str
    mp: tuple[str, str] | None = None  # an MP forwarding the letter, (first, last)


def _typo(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    i = rng.randrange(len(words))
    w = words[i]
    if len(w) < 4 or not w.isalpha():
        return text
    j = rng.randrange(1, len(w) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif kind == 1:
        w = w[:j] + w[j + 1 :]
    else:
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


def _sentences(paragraph: str) -> list[str]:
    out, cur = [], []
    for token in paragraph.replace("\n", " ").split(" "):
        cur.append(token)
        if token.endswith((".", "?", "!")):
            out.append(" ".join(cur))
            cur = []
    if cur:
        out.append(" ".join(cur))
    return out


def campaign_copy(rng: random.Random, index: int) -> str:
    """One supporter's copy of a campaign: opener, dropped sentence or paragraph, typos."""
    paragraphs = [_sentences(p) for p in CAMPAIGNS[index][1].split("\n\n")]
    if rng.random() < 0.5:
        opener = rng.choice(OPENERS)
        if rng.random() < 0.4:
            paragraphs[0][0] = opener  # their own first sentence instead of the campaign's
        else:
            paragraphs[0].insert(0, opener)
    if rng.random() < 0.3:
        p = rng.randrange(len(paragraphs))
        if len(paragraphs[p]) > 1:
            del paragraphs[p][rng.randrange(len(paragraphs[p]))]
    if rng.random() < 0.1 and len(paragraphs) > 3:
        del paragraphs[rng.randrange(1, len(paragraphs))]
    if rng.random() < 0.3:
        paragraphs.append([rng.choice(CLOSERS)])
    text = "\n\n".join(" ".join(p) for p in paragraphs)
    for _ in range(rng.randrange(5)):
        text = _typo(rng, text)
    return text


def own_words(rng: random.Random) -> str:
    """A letter on one or two of the same themes, in the writer's own words."""
    themes = rng.sample(range(len(THEME_PARTS)), rng.choice((1, 1, 2)))
    sentences = []
    for _ in range(rng.randrange(4, 9)):
        a, b, c = THEME_PARTS[rng.choice(themes)]
        sentences.append(f"{rng.choice(a)} {rng.choice(b)} {rng.choice(c)}")
        if rng.random() < 0.3:
            sentences.append(rng.choice(GLUE))
    cut = rng.randrange(1, len(sentences))
    return " ".join(sentences[:cut]) + "\n\n" + " ".join(sentences[cut:])


def _envelope(rng: random.Random, body: str, title: str, first: str, last: str) -> str:
    if rng.random() < 0.3:  # a posted letter, wrapped by hand or by the scanner
        body = "\n\n".join(textwrap.fill(p, 72) for p in body.split("\n\n"))
    head = (
        f"{first} {last}\n{rng.randrange(1, 200)} {rng.choice(STREETS)}\n{rng.choice(TOWNS)}\n"
        f"ZZ{rng.randrange(1, 99)} {rng.randrange(1, 9)}ZZ\n\n{rng.randrange(1, 28)} January 2009"
    )
    sign = f"{rng.choice(SIGN_OFFS)}\n\n{title} {first} {last}"
    return f"{head}\n\n{rng.choice(SALUTATIONS)}\n\n{body}\n\n{sign}\n"


def _covering(rng: random.Random, mp: tuple[str, str], first: str, last: str) -> str:
    return (
        f"Dear Ed\n\nI enclose a copy of a letter I have received from my constituent, "
        f"{first} {last} of {rng.choice(TOWNS)}, who raises matters that many people in my "
        "constituency feel strongly about. I would be grateful for your response to the "
        f"points made.\n\nYours sincerely\n\n{mp[0]} {mp[1]} MP\n\nEnclosure:\n\n"
    )


def mailbag(
    sizes: tuple[int, ...] = (3500, 2800, 1700),
    distinct: int = 2000,
    *,
    seed: int = 2009,
    mp_share: float = 0.04,
) -> list[MailLetter]:
    """Shuffled letters: ``sizes[i]`` copies of campaign i and ``distinct`` own-words ones."""
    rng = random.Random(seed)
    out: list[MailLetter] = []
    plan = [i for i, n in enumerate(sizes) for _ in range(n)] + [None] * distinct
    rng.shuffle(plan)
    for campaign in plan:
        title, first, last = rng.choice(TITLES), rng.choice(FIRST), rng.choice(LAST)
        body = campaign_copy(rng, campaign) if campaign is not None else own_words(rng)
        text = _envelope(rng, body, title, first, last)
        mp = None
        if rng.random() < mp_share:
            mp = rng.choice(MPS)
            text = _covering(rng, mp, first, last) + text
        out.append(MailLetter(text, campaign, title, first, last, mp))
    return out
