"""The problem gate's word lists: what the rule reads as pain, as a fix, as a technology, as vague.

The rule (`read_problem` in bot/domain/problem.py) reads a statement with these; its reading is
the learned gate's baseline and features, and supplies the quote in the coaching message. Tune
them here, then retrain (`python -m bot.judgment.train`): the model's features come from them.
"""

from __future__ import annotations

# Strong pain cues: one of these says something goes wrong for someone today.
STRONG_PAIN_WORDS = frozenset(
    """
    can't cant cannot couldn't couldnt unable impossible fail fails failed failing failure failures
    error errors broken breaks crash crashes crashed crashing bug bugs buggy glitch glitches slow
    sluggish lag laggy hangs freezes frozen timeout timeouts outage outages downtime wait waits
    waiting waited delay delays delayed late overdue backlog backlogs queueing lose loses losing
    lost loss losses miss misses missed missing forget forgets forgot forgotten confused confusing
    confusion unclear frustrating frustrated frustration annoying annoyed complain complains
    complained complaint complaints angry upset unhappy furious hard difficult struggle struggles
    struggling stuck pain painful tedious cumbersome clunky manual manually retype retyping re-type
    re-enter reenter re-entering rekey copy-paste duplicated duplicates twice redo rework chase
    chasing mistake mistakes mistyped typos wrong incorrect inaccurate outdated mismatch mismatched
    costly expensive waste wastes wasted wasting overtime burnout churn cancel cancels cancelled
    canceled refund refunds abandoned abandon rejected rejects bottleneck penalty penalties fines
    breach nobody noone lack lacks lacking shortage overloaded overwhelmed flooded swamped spend
    spends spent headache headaches nightmare chaos idle unseen skipped overwritten stripped jams
    jammed chargeback chargebacks dispute disputes quit recall recalls blinding injury injuries
    unsafe hazard accident accidents spoiled expired suffers suffer suffering bounce bounced
    scattered ignored stale unreachable locked
    """.split()
)

# Strong pain phrases, matched on the normalised text.
STRONG_PAIN_PHRASES = (
    r"(?:don't|dont|do not|doesn't|doesnt|does not|didn't|didnt|did not|won't|wont|isn't|isnt|is not|"
    r"aren't|arent|are not|wasn't|wasnt|was not|weren't|haven't|hasn't|hasnt|no longer|never) "
    r"(?:\w+ ){0,2}?(?:work|works|working|know|knows|see|sees|show|shows|get|gets|reach|match|matches|"
    r"sync|syncs|load|loads|open|opens|find|update|updated|arrive|arrives|respond|reply|replied|come|"
    r"pick|notice|hear|talk|understand|tell|fit|print|save|saves|saved|send|sent|have|has|appear|appears)\b",
    r"(?:no way to|there is no|there's no|theres no|there are no|no one|not enough|too many|too much|"
    r"too long|too slow|too often|takes? (?:ages|forever|too long)|end up|ends up|ended up|fall through|"
    r"falls through|slip through|slips through|gets? lost|go missing|goes missing|out of stock|turned away|"
    r"on hold|by hand|instead of|rather than|only way|have no idea|no idea|can't tell|hard to|"
    r"difficult to|impossible to|struggle to|struggling to|i'?m always|backed up|fed up|give up|gives up|"
    r"gave up|drop out|dropped out|goes down|went down|keep using|keeps using|by the time|"
    r"(?:went|gone|jumped|dropped|fell|rose) (?:from|up|down|to) )",
    r"(?:have|has|had|need|needs) to (?:manually |always |still |then |also |first )?(?:re-?\w+|copy|call|"
    r"chase|wait|check|search|dig|look|log ?in|walk|drive|go|print|scan|email|e-mail|ask|remind|fix|type|"
    r"enter|fill|phone|ring|text|write|find|guess|spend|pay|open|download|upload|export|import|count|"
    r"reconcile|track|figure|keep|explain|repeat|refund|cancel|turn|apologi[sz]e|update|send|collect|"
    r"match|compare|merge|sort|move|carry|transfer|dial|visit|come|start|put|run|prove|pull|click|"
    r"scroll|switch between|juggle|remember|split|sit|stand|stay)\b",
    r"\b(?:takes?|took|taking|spends?|spent|wastes?|wasted|costs?|lose|loses|lost|wait|waits|waited|"
    r"adds|eats) (?:\w+ ){0,3}?(?:~|about |around |roughly |over |up to |at least )?\d",
    r"\bre-(?:apply|enter|type|key|send|do|check|upload|create|book|print|submit|start|explain)\w*",
    r"\bso (?:that )?(?:i|we|they|you|customers|staff|people) (?:don't|do not|no longer|stop|aren't) ",
    r"\b(?:call|calls|calling|phone|phones|email|emails|emailing|message|messages|chase|chases|ring|rings) "
    r"(?:us|the office|support|the shop|the store|reception|the front desk|the team|the helpdesk|in)\b",
    r"\b(?:keep|keeps|kept) (?:asking|calling|emailing|chasing|coming back|complaining|forgetting|missing)\b",
)

# Weak cues: context that often comes with a pain but does not prove one.
WEAK_PAIN_WORDS = frozenset(
    """
    because bc since otherwise currently today still every each always constantly repeatedly again
    regularly often daily weekly usually sometimes problem problems issue issues trouble risk risky
    only old paper spreadsheet spreadsheets excel email emails phone fax
    """.split()
)
WEAK_PAIN_PHRASES = (
    r"\b(?:right now|at the moment|these days|each time|every time|which means|this means|that means|"
    r"as a result|due to|so (?:we|they|i|the|our|customers|staff|people)|keeps? \w+ing)\b",
    r"\b\d+(?:[.,]\d+)?\s*(?:%|percent|min|mins|minutes|hours?|hrs?|days?|weeks?|months?|times|calls|"
    r"tickets|orders|customers|people|k|£|€|\$)",
    r"[£€$]\s?\d",
)

# Phrases that open a request for a fix: "we need", "can we get", "it would be nice if" …
SOLUTION_OPENERS = (
    r"(?:we|i|you|they|the team|our team|the company|our company|everyone|the business|the office|"
    r"the shop|the store|the clinic|the school|it|this|staff|management|customers|users|clients|"
    r"our [\w-]+(?: [\w-]+)?)?\s*(?:really |urgently |just |definitely |seriously |probably |also |still )?"
    r"(?:need|needs|want|wants|would like|'d like|should|must|ought to|would love|'d love|wish|"
    r"require|requires|propose|suggest|recommend)\b(?! to (?:re-?\w+ |manually|wait|call|chase|check|"
    r"search|copy|phone|ask|type|enter|spend|log ?in|print|walk|drive|go ))",
    r"(?:please|pls|plz|kindly)\b",
    r"(?:let's|lets|let us)\b",
    r"(?:can|could|would|shall|should)\s+(?:we|you|i|they|the \w+)\s+(?:get|have|add|use|start|buy|build|"
    r"implement|try|move|switch|set|make|consider|introduce|adopt|create|offer|do|install|integrate|"
    r"put|give|automate|replace|upgrade|invest|hire|launch|roll|pilot)\b",
    r"(?:why (?:not|don't we|dont we))\b",
    r"(?:how about|what about|what if we|maybe we|perhaps we|it'?s time (?:to|we))\b",
    r"(?:it would be|it'd be|would be|wouldn't it be|it'll be)\s+(?:really |so |very )?(?:nice|great|good|"
    r"cool|awesome|helpful|useful|amazing|handy|ideal|better|best|beneficial|valuable)\b",
    r"(?:i|we)\s+(?:think|believe|feel)\s+(?:that )?(?:we|you)\s+(?:should|need|must|could)\b",
    r"(?:as an?|as the)\s+[\w\s/-]{1,40}?,?\s+i\s+(?:want|would like|need|'d like|wish)\b",
    r"(?:feature request|request|suggestion|proposal|idea|enhancement)\s*[:\-]",
    r"(?:there should be|there needs to be|we should have|we need to have|there must be)\b",
)

# Verbs that, opening a sentence, propose a fix.
SOLUTION_VERBS = """
    add adopt allow automate buy build centralise centralize configure connect consolidate create
    deploy develop digitise digitize digitalise digitalize embrace enable equip establish expand
    explore get give hire implement install integrate introduce invest launch leverage license make
    migrate modernise modernize move offer outsource pilot procure provide purchase put rebuild
    redesign replace revamp rewrite roll set standardise standardize start subscribe support switch
    sync trial try upgrade use utilise utilize containerise containerize do run hold organise
    organize
""".split()

# Technologies and products: as the subject of a sentence, they make it a solution.
TECH_TERMS = """
    ai artificial intelligence machine learning ml llm llms gpt chatgpt openai copilot genai
    generative ai chatbot chatbots bot bots blockchain nft nfts web3 crypto metaverse vr ar virtual
    reality augmented reality iot kubernetes k8s docker microservices serverless cloud aws azure gcp
    crm erp salesforce hubspot sap oracle netsuite zapier rpa robotic process automation automation
    slack teams jira linear notion confluence trello asana monday tableau power bi powerbi looker
    data lake data warehouse snowflake databricks api apis sso saml oauth mobile app app apps portal
    dashboard dashboards kiosk kiosks tablets ipads drones drone robot robots 5g wifi sharepoint
    dynamics quickbooks xero shopify wordpress react graphql postgres postgresql mongodb kafka redis
    terraform ansible predictive online push loyalty new
""".split()

# Things people build, buy or set up: a statement that names one and no pain is a solution.
THING_WORDS = frozenset(
    """
    app apps tool tools system platform portal widget dashboard programme program sensor sensors
    machine machines printer printers bot chatbot integration integrations feature module plugin
    button licence licences license licenses software hardware kiosk scanner scanners tablet tablets
    laptop laptops screen screens display website site page form template report policy training
    course workshop hackathon newsletter meeting sync booking calendar notification notifications
    export import mode theme view option setting settings checkout wizard api database spreadsheet
    intranet wiki database chat channel emails email sms alerts alert tracker tracking pilot
    """.split()
)

# Words with no specific content: buzzwords, generic nouns, filler.
VAGUE_WORDS = frozenset(
    """
    improve improved improves improving improvement improvements better best good great enhance
    enhanced enhancement optimize optimise optimized optimised optimization optimisation optimal
    streamline streamlined modernize modernise modernized modernised modern transform transformation
    transformational leverage boost increase increased decrease reduce maximize maximise minimize
    minimise grow growth scale scaling efficiency efficient effectiveness effective productivity
    productive performance quality experience experiences ux ui overall general generally stuff
    things thing everything something anything process processes workflow workflows system systems
    tool tools solution solutions platform synergy synergies innovation innovative innovate digital
    digitally strategy strategic alignment value values culture communication communications
    collaboration engagement engaged satisfaction cx operations operational business company
    organisation organization people level levels way ways across whole entire more less much many
    lot lots kind sort area areas aspect aspects side sides part parts approach approaches paradigm
    journey journeys touchpoint touchpoints next-level world-class best-in-class cutting-edge
    state-of-the-art seamless seamlessly holistic robust agile lean smart smarter future
    future-proof latest faster easier simpler cheaper bigger make making made get getting need needs
    want wants should could would can will let think help helps helpful excellence sustainable drive
    driven drives unit units current situation customer-centric data-driven centric full potential
    unlock empower competition ahead stay fast faster end higher lower high low bad worse terrible
    awful okay fine friendly just bit look idk tbh imo honestly maybe probably everyone everybody
    someone somebody anyone here there same time last see above below etc cost costs money
    """.split()
)


# GitHub issue-template boilerplate: not the writer's words.
TEMPLATE_PHRASES = (
    r"\*{0,2}is your feature request related to a problem\??\s*(?:please describe\.?)?\*{0,2}",
    r"\*{0,2}describe the (?:solution|feature|alternatives?)[^\n.?:]*[.?:]?\*{0,2}",
    r"\*{0,2}additional context\*{0,2}",
    r"a clear and concise description of what (?:the problem|you want to happen|the bug) is\.?",
    r"ex\. i'm always frustrated when \[\.\.\.\]",
    r"\*{0,2}describe the bug:?\*{0,2}",
)
