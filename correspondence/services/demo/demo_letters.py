"""Texts of the demo correspondence: the seed letters and invented ones by theme."""

from __future__ import annotations

JOWELL_COVERING_LETTER = """\
Dear Ed

I enclose an example of correspondence I have received from a number of my constituents, \
which endorses the NSPCC's proposals to Government following the death of Baby P.

My constituents are deeply concerned that children at risk are seen and heard by skilled \
professionals, that lessons are learned when a child dies, and that the law on smacking \
is reconsidered. I would be grateful for your response to the points they raise.

Yours ever

Tessa Jowell MP"""

NSPCC_CAMPAIGN_LETTER = """\
Dear Secretary of State

I am writing to you following the tragic death of Baby P in Haringey. Like many people \
I was horrified that a child could suffer so much while known to the authorities.

I support the NSPCC's proposals to Government. Every child at risk must be seen and \
listened to by skilled, supported front-line professionals. When a child dies, lessons \
must be learned through thorough and independent Serious Case Reviews, and Local \
Safeguarding Children Boards must be independent of the agencies they oversee.

Social workers need better training, supervision and manageable caseloads, and \
professionals must be clear about when a child should be removed from its parents.

Finally, I believe it is time to give children the same protection from assault as \
adults and to end the defence of reasonable punishment.

Please act now so that no other child suffers as Baby P did.

Yours sincerely"""

# Openers and sign-offs that campaign supporters vary.
CAMPAIGN_OPENERS = (
    "Dear Secretary of State",
    "Dear Mr Balls",
    "Dear Minister",
    "Dear Sir",
)

LAMING_COMMISSION_LETTER = """\
PROGRESS REPORT ON SAFEGUARDING

The Children's Minister and I announced to Parliament on 12th November that we had asked \
you to prepare an urgent report of progress being made across the country to implement \
effective arrangements for safeguarding children. Thank you for agreeing to take this \
important work forward.

The reforms introduced by Government following the Victoria Climbié Inquiry set a very \
clear direction and have significantly strengthened the framework for safeguarding \
children. But it is vital we ensure that these reforms are being implemented \
systematically by all local agencies so that children in every part of the country \
receive the protection they need.

I would like your report to address three key questions: what good practice has been \
achieved since the Victoria Climbié Inquiry Report; what the key barriers are, \
including in the legal process; and what specific actions should be taken by \
Government and national and local agencies to overcome them.

I look forward to receiving your report, with recommendations for action, early in the \
new year.

We are laying a copy of this letter in both libraries of the house."""

# Invented letters by theme: (summary, body). Several per theme so the list looks real.
THEME_LETTERS: dict[str, tuple[tuple[str, str], ...]] = {
    "SCR": (
        (
            "Asks for Serious Case Reviews to be published in full",
            "I believe the executive summaries of Serious Case Reviews tell the public too "
            "little. Will the Government require full reviews to be published?",
        ),
        (
            "Concern at quality of a local Serious Case Review",
            "The Serious Case Review into a child's death in our county has been judged "
            "inadequate by Ofsted. What will be done to ensure the lessons are learned?",
        ),
    ),
    "SWTF": (
        (
            "Social worker caseloads too high in constituency",
            "Social workers in my constituency tell me their caseloads are unmanageable and "
            "vacancies go unfilled. What is the Social Work Task Force doing about recruitment "
            "and retention?",
        ),
        (
            "Training of newly qualified social workers",
            "As a newly qualified social worker I had little supervision in my first year. I "
            "would like to know what the Government will do to improve training and induction.",
        ),
    ),
    "SMACK": (
        (
            "Calls for a complete ban on smacking",
            "Children deserve the same protection from assault as adults. I urge the "
            "Government to remove the reasonable punishment defence entirely.",
        ),
        (
            "Opposes any further restriction on smacking",
            "Decent parents should not be criminalised for a mild smack. Please do not "
            "change the law further.",
        ),
    ),
    "LAMING": (
        (
            "Asks when Lord Laming's recommendations will be implemented",
            "Lord Laming made 58 recommendations. Can you tell me how many have been "
            "implemented and when the rest will be?",
        ),
    ),
    "LSCB": (
        (
            "Independence of Local Safeguarding Children Board chairs",
            "Our Local Safeguarding Children Board is chaired by the Director of Children's "
            "Services. Surely the chair should be independent of the agencies it oversees?",
        ),
        (
            "Lay members on safeguarding boards",
            "I would like to volunteer as a lay member of my Local Safeguarding Children "
            "Board. How are the members of the public appointed?",
        ),
    ),
    "CDR": (
        (
            "Child death review process after a bereavement",
            "Following the death of my nephew, our family was told his death would be "
            "reviewed by a panel. Nobody has explained what this means. Please explain the "
            "child death review process.",
        ),
    ),
    "CARE": (
        (
            "Court fees deter care applications",
            "Local authorities in my area say the new court fees for care proceedings "
            "make them hesitate before applying to take a child into care.",
        ),
        (
            "Delays at Cafcass",
            "My constituent's care case has been delayed for months because no Cafcass "
            "guardian has been allocated. What is being done about the backlog?",
        ),
    ),
    "WT": (
        (
            "Revision of Working Together guidance",
            "When will the revised Working Together to Safeguard Children guidance be "
            "published, and will schools be consulted?",
        ),
    ),
    "NSDU": (
        (
            "Role of the Chief Adviser on the Safety of Children",
            "Please explain what powers the new Chief Adviser on the Safety of Children "
            "will have and how the National Safeguarding Delivery Unit will work.",
        ),
    ),
    "HEALTH": (
        (
            "Shortage of health visitors",
            "There are too few health visitors in our area to see every family with a new "
            "baby. What will the Government do to increase their number?",
        ),
    ),
    "INSPECT": (
        (
            "Ofsted inspections of children's services",
            "Ofsted rated our children's services good only months before a child died. How "
            "can parents trust the inspection system?",
        ),
    ),
    "FUND": (
        (
            "Funding pressures in children's social care",
            "My local council says it cannot afford to recruit more social workers. Will the "
            "Government provide additional funding for children's services?",
        ),
    ),
    "ICT": (
        (
            "Integrated Children's System takes social workers from families",
            "Social workers tell me they spend most of their day entering data into the "
            "Integrated Children's System rather than seeing children.",
        ),
        (
            "ContactPoint and privacy",
            "I am worried about the privacy of my children's details on ContactPoint. Who "
            "can see them?",
        ),
    ),
    "VBS": (
        (
            "Vetting and Barring Scheme and volunteers",
            "As a parent who drives children to football matches, will I have to register "
            "with the Vetting and Barring Scheme?",
        ),
    ),
    "POLICE": (
        (
            "Online child protection and CEOP",
            "What is being done to protect children from grooming on social networking "
            "sites, and is CEOP properly funded?",
        ),
    ),
    "BABYP": (
        (
            "Accountability for the death of Baby Peter",
            "I want to know why nobody in Haringey has been held accountable for the death "
            "of Baby Peter.",
        ),
        (
            "Haringey children's services after Baby P",
            "What has been done to make sure children in Haringey are now safe?",
        ),
    ),
}
