"""The keyword coder: a dictionary coder written by hand from the annotation guidelines.

In the spirit of PETRARCH-style coders: verbs and nouns of each event type, the actor
next to a violent cue to split `strike` from `attack`, and filters for the guidelines'
confusers. It never sees training data, so it errs differently from a fine-tuned encoder
and holds up on news written by others. eventx uses it twice: as a baseline the scorer
compares models with (``eventx evaluate --model keyword``), and inside the default model,
whose probabilities fuse the encoder's logit with this coder's score (`eventx.fusion`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from eventx.labels import LABELS

ArticleInput = tuple[str | None, Sequence[str]]

# Scores a cue gives its label: graded, so that average precision means something.
STRONG, MEDIUM, WEAK, DOUBT, TRACE = 0.9, 0.72, 0.58, 0.3, 0.04


def _words(*alternatives: str) -> re.Pattern[str]:
    # The lookahead lets the regex engine skip spaces and punctuation before it tries
    # the alternation at each word boundary: half the time, the same matches.
    return re.compile(r"(?=\w)\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


# Who acts. Non-state names are matched first and masked, so "Rapid Support Forces" or
# "Arakan Army" are not read as state forces for saying "forces" / "army".
NON_STATE = _words(
    r"militants?", r"insurgents?", r"insurgency", r"rebels?", r"militia(?:s|men)?",
    r"gunm[ae]n", r"terrorists?", r"gangs?", r"gangsters?", r"jihadists?", r"bandits?",
    r"armed (?:men|group|groups|civilians|commandos?|assailants|wing)", r"attackers?",
    r"assailants?", r"extremists?", r"separatists?", r"guerrillas?", r"fighters",
    r"cadres", r"maoists?", r"naxal(?:s|ites)?", r"houthis?", r"hezbollah", r"hamas",
    r"islamic jihad", r"(?:al[- ])?shabaab", r"ttp", r"iswap", r"boko haram",
    r"islamic state", r"isis", r"isil", r"daesh", r"al-qaeda", r"jnim", r"adf", r"m23",
    r"pkk", r"bla", r"baloch liberation \w+", r"eln", r"farc", r"dissidents?", r"npa",
    r"new people's army", r"cartels?", r"clan del golfo", r"cjng", r"rsf",
    r"rapid support(?: forces)?", r"people'?s defen[cs]e forces?", r"pdfs?",
    r"resistance (?:fighters|forces|groups?)", r"arakan army", r"kachin independence army",
    r"tnla", r"ambazonian?s?", r"amba", r"mobs?", r"settlers", r"(?:iran|militia)-backed",
    r"pro-iran(?:ian)?", r"kataib hezbollah", r"islamic resistance", r"lashkar(?:-e-taiba)?",
    r"jaish(?:-e-mohammed)?", r"jem", r"trf", r"hizbul", r"abu sayyaf", r"dawlah islamiyah",
    r"brn", r"suicide bombers?", r"perpetrators?", r"mercenaries", r"syrian national army",
    r"sna", r"fano", r"tplf", r"kla", r"wagner", r"polisario", r"hts", r"sdf", r"ypg",
    r"protesters", r"rioters", r"unknown (?:men|persons)", r"unidentified (?:men|persons)",
    r"fidayeen", r"abductors", r"kidnappers", r"pirates", r"(?:armed |small )?bands",
    r"yemeni armed forces", r"ansar allah",
)
STATE = _words(
    r"army", r"armed forces", r"military", r"troops", r"soldiers", r"air force",
    r"navy", r"naval", r"warplanes?", r"(?:fighter )?jets?", r"aircraft", r"helicopters?",
    r"gunships?", r"bombers", r"security forces", r"government forces", r"forces",
    r"(?<!anti-)government", r"task force", r"idf", r"pentagon", r"centcom", r"africom",
    r"coalition", r"junta", r"regime", r"tatmadaw", r"military council", r"ispr", r"nato",
    r"national guard", r"special forces", r"commandos", r"marines", r"aerospace force",
    r"israel(?:i)?", r"russian?", r"ukrain(?:e|ian)", r"u\.s\.", r"us", r"american",
    r"turk(?:ey|ish)", r"pakistani?", r"india(?:n)?", r"iran(?:ian)?", r"saudi(?:-led)?",
    r"saf", r"fardc", r"ethiopian", r"nigerian", r"malian", r"burkinabe", r"myanmar",
    r"azerbaijani?", r"armenian?", r"syrian", r"egyptian", r"emirati", r"british",
    r"french", r"chinese", r"occupation", r"enemy", r"kremlin", r"moscow", r"kyiv",
    r"washington", r"ankara", r"islamabad", r"tehran", r"jerusalem",
)
_GROUND_TROOPS = _words(r"troops", r"soldiers", r"infantry", r"ground forces", r"tanks?",
                        r"armou?red vehicles", r"police(?:men)?", r"officers", r"personnel")
_AIR_OR_SEA = _words(r"naval", r"vessels?", r"warships?", r"ships?", r"helicopters?",
                     r"aircraft", r"jets?", r"warplanes?", r"artillery", r"drones?", r"gunboats?")
# An actor right after one of these is the target, not the agent.
_OBJECT_BEFORE = re.compile(r"(?=\w)\b(?:on|against|at|targeting|targeted|hit|struck|"
                            r"killing|killed|kill|kills|toward|towards|raiding|bombing|"
                            r"shelling|hunted down|eliminated|"
                            r"neutrali[sz]ed|pounded|bombed|shelled|hitting|striking|attacking|"
                            r"attacked|raided|ambushed|with)\s+(?:the\s+|a\s+|an\s+)?"
                            r"(?:[\w-]+\s+){0,4}$", re.IGNORECASE)
# "Houthi health ministry", "Israeli officials": an actor that speaks does not act here.
_SPEAKER_AFTER = re.compile(r"[\s'’s-]*(?:[\w-]+\s+)?(?:ministry|ministers?|spokes\w+|officials?|"
                            r"leaders?|media|health|government|authorities|statement|"
                            r"television|tv|channel|news|sources?|embassy|mission)\b",
                            re.IGNORECASE)
_ATTRIBUTING = _words(r"attribut\w+", r"blam\w+")
_CLAUSE_BREAK = re.compile(r"[;:]|\b(?:while|whereas|but|although|after|before|as|when)\b|"
                           r"\b(?:said|says|condemned|denounced|accused|blamed|told|attributed|"
                           r"announced|confirmed|claimed|stated|reported|denied|described|"
                           r"called|critici[sz]ed|slammed|deplored|warned)\b",
                           re.IGNORECASE)

# Violent cues, each with the rule that turns it into attack or strike.
_CUES: list[tuple[re.Pattern[str], str]] = [
    (_words(r"air ?strikes?", r"air ?raids?", r"air attacks?", r"airstrikes?", r"air support",
            r"air cover", r"air power", r"air operations?", r"air interdiction",
            r"aerial (?:bombing|bombardment|attacks?|operations?)",
            r"bombardments?", r"bombard(?:ed|ing|s)?", r"shell(?:ed|ing)", r"shells",
            r"shell (?:landed|exploded|hit|fell)", r"artillery", r"mortars?", r"howitzers?",
            r"warplanes?", r"(?:fighter )?jets?", r"aircraft", r"helicopter gunships?",
            r"gunships?", r"naval fire", r"(?:drop|dropped|dropping|drops) (?:\w+ )?bombs",
            r"guided (?:aerial )?bombs",
            r"bombs (?:were |was )?(?:dropped|falling|fell|kept falling|rained)",
            r"barrel bombs?", r"precision (?:strikes|attacks)",
            r"targeted strikes", r"cruise missiles?", r"ballistic missiles?",
            r"missile strikes?", r"missiles?", r"drone strikes?", r"pounded", r"sorties"),
     "standoff"),
    (_words(r"drones?", r"uavs?", r"rockets?", r"projectiles?", r"unmanned boats?"), "weapon"),
    (_words(r"strikes?", r"striking"), "strike"),
    (_words(r"raids?", r"raided", r"raiding"), "raid"),
    (_words(r"struck", r"hit", r"hits", r"targeted", r"targeting", r"slammed into",
            r"crashed into"), "hit"),
    (_words(r"(?:intelligence[- ]based|counter-?terror(?:ism)?|military|security|"
            r"clearance|joint) operations?", r"the operation"), "operation"),
    (_words(r"aggressions?"), "aggression"),
    (_words(r"car bombs?", r"suicide (?:bomb(?:er|ers|ing|ings)?|attacks?|vests?)",
            r"ieds?", r"improvised explosive devices?", r"roadside bombs?", r"grenades?",
            r"motorcycle bombs?", r"explosives-laden \w+", r"explosive-laden \w+",
            r"booby[- ]trap\w*", r"firebombs?", r"petrol bombs?", r"landmines?",
            r"(?:pressure|command-detonated) (?:ied|mines?)", r"sticky bombs?"), "device"),
    (_words(r"bomb(?:s|ed|ing|ings)?"), "bomb"),
    (_words(r"blasts?", r"explosions?", r"explod(?:ed|ing|es)", r"blew up"), "blast"),
    (_words(r"attack(?:s|ed|ing)?", r"assault(?:s|ed)?"), "attack"),
    (_words(r"ambush(?:ed|es)?", r"storm(?:s|ed|ing)?", r"opened fire", r"open fire",
            r"fired (?:on|at|upon|into)", r"gunfire", r"shoot(?:ing|ings)?", r"shot dead",
            r"shot (?:at|and killed|and wounded|\w+ times)", r"gunned down", r"massacres?",
            r"massacred", r"kidnap(?:ped|ping|pings|s)?", r"abduct(?:ed|ion|ions|s)?",
            r"hostages?", r"tortur(?:e|ed|ing)", r"rap(?:e|ed)", r"sexual violence",
            r"murder(?:s|ed)?", r"behead(?:ed|ing)", r"decapitat(?:ed|ion)", r"lynch(?:ed|ing)",
            r"arson", r"torched", r"set (?:\w+ )?(?:on )?fire", r"set ablaze", r"ablaze",
            r"burn(?:ed|t|ing) (?:down |of )?(?:\w+ )?(?:houses|homes|villages?|churches|"
            r"mosques?|vehicles|shops)", r"hacked", r"stabb(?:ed|ing)", r"knife attack",
            r"beat(?:en|ing)", r"baton-charg\w*", r"lathi-charg\w*", r"slapped",
            r"hurled (?:rocks|stones|firebombs|petrol bombs)", r"overr[au]n", r"offensive",
            r"ethnic cleansing", r"mass killings?", r"hijack(?:ed|ing)?", r"assassinat\w+",
            r"terrorist acts?", r"acts? of terror(?:ism)?", r"genocide", r"slaughter(?:ed)?",
            r"mortally wounded", r"came under (?:\w+ )?fire", r"under attack",
            r"summarily executed", r"extrajudicial(?:ly)? (?:killings?|executed|executions?)"),
     "ground"),
    (_words(r"burn(?:ed|t|ing)", r"set fire", r"fires \w+ set"), "burn"),
    (_words(r"kill(?:s|ed|ing|ings)?", r"martyred"), "kill"),
]
_KIND_OF = {pattern: kind for pattern, kind in _CUES}
_MEANS_BEFORE = re.compile(r"(?=\w)\b(?:missile|drone|rocket|air|aerial|artillery|mortar|"
                           r"bomb|naval|shelling)\s+$", re.IGNORECASE)
_NON_STATE_MEANS_BEFORE = re.compile(r"(?=\w)\b(?:knife|gun|grenade|arson|suicide|"
                                     r"terror(?:ist)?|militant|insurgent|gang|mob|rebel|militia|jihadist|"
                                     r"bomb|ied|machete)\s+$", re.IGNORECASE)
_RETALIATION_BEFORE = re.compile(r"(?=\w)\b(?:retaliation|response|revenge|reprisal|retaliating|"
                                 r"responding)\s+(?:for|to)\s+(?:the\s+|an?\s+|this\s+|"
                                 r"\w+'s\s+)?(?:\w+\s+)?$", re.IGNORECASE)
_DEFINITE_BEFORE = re.compile(r"(?=\w)\b(?:the|this|that|these|those|its|their|such|\w+'s|"
                              r"[\w-]+ian|[\w-]+ish)\s+(?:[\w-]+\s+)?$", re.IGNORECASE)
_HYPOTHETICAL_BEFORE = re.compile(
    r"(?=\w)\b(?:any|future|possible|potential|would|could|might|may|will|threat(?:en(?:ed|s)?)?|"
    r"fears?|risk|prevent(?:ed|ing)?|deter|avoid|plan(?:s|ned|ning)?|plot(?:s|ted|ting)?|"
    r"foil(?:ed|ing)?|thwart(?:ed|ing)?|no|not|never|without|such|if|imminent|next|nobody|"
    r"none|"
    r"preparing|prepare|conduct|ability|able|capable|capacity|ready|against|further)"
    r"\s+(?:\w+\s+)?$", re.IGNORECASE)
_DISASTER = _words(r"earthquakes?", r"floods?", r"flooding", r"cyclones?", r"landslides?",
                   r"storms?", r"accidents?", r"crash(?:ed|es)?", r"cholera", r"disease",
                   r"heatwave", r"fire broke out", r"collapse[ds]?", r"stampede")
_FOILED = _words(r"defused", r"dismantled", r"neutrali[sz]ed", r"recovered", r"seized",
                 r"found", r"foiled", r"thwarted", r"disarmed", r"intercepted before")

# Contexts where the vocabulary is not violent at all.
_CONFUSERS = _words(
    r"heart attacks?", r"panic attacks?", r"asthma attacks?", r"pace attack",
    r"counter-?attacks?", r"attack(?:ing|ers)? (?:midfielder|play|third|line|minded)",
    r"(?:attack|assault)s? (?:on|of|against) (?:the |our |their |its |[\w-]+'s? )?(?:[\w-]+ )?"
    r"(?:inflation|economy|prices|costs|rights?|livelihoods?|freedoms?|democracy|dignity|"
    r"constitution|judiciary|press|media|independence|welfare|optimism|nerves|values|"
    r"principles|autonomy|law|justice|truth|journalism|institutions|workers|unions?)\b",
    r"(?:gunfire|explosions?|blasts?|shelling|sirens) (?:can |could |was |were )?(?:still )?"
    r"(?:be )?heard", r"(?:heard|hear) (?:\w+ )?(?:gunfire|explosions?|blasts?)",
    r"strikers?", r"strike rate", r"hunger strikes?", r"general strikes?",
    r"(?:shutter-down|wildcat|rail|railway|national|nationwide|union|workers'?|employees'?|"
    r"nurses'?|doctors'?|teachers'?|dock|dockers'?|port|labour|labor|transport|traders'?|"
    r"\d+-hour|\d+-day|one-day|indefinite|warning|mega|sympathy|sit-down|public-sector|"
    r"strike|staff) strikes?", r"right to strike",
    r"strikes? (?:action|ballot|threat|notice|pay|over pay|called by|by \w+ workers)",
    r"(?:on|went on|go on|going on) strike", r"strike a (?:deal|balance|chord|pose)",
    r"lucky strike", r"shares? (?:were |was )?hit", r"hit (?:by|hard)",
    r"hit (?:a|the|an) (?:record|high|low|ball|wall|target)", r"war on \w+",
    r"cyber[- ]?attacks?", r"hit-and-run", r"shot (?:on|off) target", r"shot down",
    r"(?:gunshot|blast|shrapnel|bullet|burn) wounds?", r"photo ?shoot", r"shooting star",
    r"bombshell", r"attack helicopters?", r"attack drones?", r"attack aircraft",
    r"killing time", r"price war", r"trade war", r"booster shot",
)
_SPORT = _words(r"matches", r"goals?", r"goalkeeper", r"midfield(?:er)?", r"league",
                r"innings", r"wickets?", r"bowl(?:er|ers|ed|ing)", r"batsman", r"batters?",
                r"half-time", r"(?:first|second) half", r"tournament", r"championship",
                r"fixture", r"penalty", r"derby", r"striker", r"scored", r"kick-off",
                r"the ball", r"game on", r"full-time", r"stadium", r"fans")
_LABOUR = _words(r"workers", r"unions?", r"walkouts?", r"wages?", r"industrial action",
                 r"strikers", r"picket\w*", r"employees", r"stoppage", r"pay", r"pays",
                 r"salar\w+", r"labour", r"labor", r"dockers", r"commuters", r"standstill",
                 r"arrears", r"shutdown", r"shutter-down", r"hartal", r"bandh",
                 r"strike (?:entered|enters|continued|continues|ended|ends)")

# --- condemnation
_CONDEMN = _words(
    r"condemn(?:s|ed|ing|ation|ations)?", r"denounc(?:e|es|ed|ing)", r"deplor(?:e|es|ed|ing)",
    r"decr(?:y|ies|ied|ying)", r"slam(?:s|med)", r"critici[sz](?:e|es|ed|ing|m)",
    r"blam(?:e|es|ed|ing)", r"accus(?:e|es|ed|ing|ation|ations)",
    r"lodg(?:e|es|ed|ing) (?:a |an )?(?:formal |strong |strongly worded )?protest",
    r"protest note", r"war crimes?", r"crimes? against humanity",
    r"h(?:old|olds|eld|olding) (?:\w+ ){0,5}responsible", r"bears? (?:\w+ ){0,3}responsibility",
    r"censur(?:e|ed)", r"rebuk(?:e|ed)", r"protested against",
    r"(?:flagrant|blatant|gross) violation", r"cr(?:y|ies|ied) foul",
    r"(?:reject\w*|den(?:y|ied|ies)|dismiss\w*|repudiat\w+) (?:[\w'’-]+ ){0,3}(?:"
    r"accusations?|allegations?|claims?|findings|charges?|reports?|criticism|versions?|"
    r"accounts?|promises?|murders?|killings?|attacks?|violence|massacres?|bombings?|strikes?|"
    r"aggression|\"any form)",
)
_NOT_CONDEMN = _words(
    r"condemned (?:buildings?|houses?|structures?|to (?:death|life|prison))",
    r"(?:buildings?|houses?|hall|structures?|blocks?|bridges?) (?:were |was )?(?:declared )?"
    r"condemned", r"declared (?:\w+ ){0,4}condemned", r"(?:the|an|soon|of) accused",
    r"accused (?:of|will|was|were|is|are|had|has|persons?|men)", r"slam(?:s|med) into",
    r"slams (?:northern|southern|eastern|western|the coast)", r"organi[sz]ed crimes?",
    r"(?:stopped short of|without|refrained from|declined to|refused to|did not) "
    r"(?:\w+ )?(?:condemn\w*|critici\w+|blam\w+)",
)
_CALLING = _words(r"call(?:ed|s|ing)?", r"described", r"describ(?:es|ing)", r"termed",
                  r"branded", r"labell?ed", r"said", r"says", r"saying", r"vowed")
_EVALUATIVE = _words(
    r"cowardly", r"barbaric", r"barbarous", r"heinous", r"criminal (?:act|acts|aggression|"
    r"attack|attacks|bombing|assault|massacre|blockade)", r"(?:a|an|this|the|new|its|their|"
    r"horrible|heinous|war|[\w-]+ian) (?:[\w-]+ )?crimes?(?! scene)", r"terrorist (?:act|acts|"
    r"attack|crime|aggression|regime|state)", r"acts? of terror(?:ism)?",
    r"violation of (?:\w+ ){0,2}(?:sovereignty|international|law|territor\w+|airspace|"
    r"rights|the ceasefire|the truce|the charter)", r"outrageous", r"disturbing", r"brutal",
    r"senseless", r"inhumane?", r"savage", r"despicable", r"dastardly", r"atrocious",
    r"atrocit(?:y|ies)", r"genocid\w*", r"unacceptable", r"reckless", r"provocat\w+",
    r"shameful", r"abominable", r"reprehensible", r"unjustified", r"blackmail",
    r"unforgivable", r"appall\w+", r"sicken\w*", r"outrag\w+", r"one-sided",
    r"destabili[sz]ing", r"unprovoked", r"war crimes?", r"illegal", r"unlawful",
    r"regrettable", r"unworthy", r"a lie", r"fraud", r"disgrace\w*", r"human safari",
)

# --- statement
_SAY = _words(
    r"said", r"says", r"say", r"stated", r"announc(?:e|ed|es|ing)", r"confirm(?:ed|s)",
    r"claim(?:ed|s)", r"described", r"warn(?:ed|s)?", r"urg(?:ed|es)",
    r"call(?:ed|s)? (?:on|for|upon)", r"vow(?:ed|s)", r"pledg(?:ed|es)", r"den(?:ied|ies|y)",
    r"attribut(?:ed|es)", r"welcom(?:ed|es)", r"told", r"tells", r"insist(?:ed|s)",
    r"add(?:ed|s) that", r"noted", r"stress(?:ed|es)", r"emphasi[sz](?:ed|es)", r"demand(?:ed|s)",
    r"appeal(?:ed|s)", r"ask(?:ed|s)", r"reject(?:ed|s)", r"threaten(?:ed|s)", r"expressed",
    r"reiterat(?:ed|es)", r"declared that", r"promised", r"acknowledg(?:ed|es)",
    r"admitted", r"argued", r"explained", r"wrote", r"tweeted", r"posted", r"reported",
    r"requested", r"boasted", r"affirm(?:ed|s)", r"mourned", r"praised", r"blam(?:ed|es)",
    r"issued (?:a |an )?(?:[\w-]+ )?(?:statement|communiqu[eé]|warning|appeal)",
    r"in (?:a |an |its |their )?(?:\w+ )?(?:statement|communiqu[eé]|press release|"
    r"televised address|video|post|letter|speech|interview)",
    r"statement (?:said|says|by|from)", r"communiqu[eé]", r"(?:press|news) conference",
    r"informed", r"urge", r"affirm", r"reiterate",
    r"demand", r"express(?:es|ed)?", r"thank(?:s|ed)", r"(?:we|i) call on",
    r"told reporters", r"suggested",
)
_SAY_CONDEMNING = _words(r"reject(?:ed|s)", r"den(?:ied|ies|y)", r"described", r"blam(?:ed|es)",
                         r"call(?:ed|s)")
_ANONYMOUS_SUBJECT = _words(
    r"residents?", r"witness(?:es)?", r"eyewitness(?:es)?", r"locals?", r"villagers",
    r"reports?", r"media", r"outlets?", r"tv", r"television", r"radio", r"news agency",
    r"agency", r"sources?", r"people", r"survivors", r"newspaper", r"footage",
    r"relatives", r"family", r"neighbou?rs", r"medics", r"doctors", r"traders", r"parents",
    r"analysts?", r"experts?", r"observers", r"some", r"many", r"others", r"one man",
    r"one woman", r"a man", r"a woman", r"farmers", r"mother", r"father", r"passers-by",
    r"several", r"workers?", r"planners", r"groups",
)
_ANONYMITY = _words(r"on condition of anonymity", r"asked not to be named",
                    r"without giving (?:their|his|her) names?",
                    r"declined to be named", r"unnamed", r"who asked that", r"anonymous")
_OFFICIAL = _words(r"officials?", r"minist\w+", r"spokes\w+", r"government", r"army",
                   r"military", r"police", r"president", r"governor", r"commander",
                   r"chief", r"leader", r"ministry", r"council", r"mayor", r"secretary", r"head",
                   r"director", r"coach", r"prosecutors?")
_NO_COMMUNICATION = _words(r"declined to comment", r"refused to (?:comment|respond)",
                           r"(?:did|has|have|had|could) not (?:yet )?(?:comment|respond|"
                           r"be reached|give)", r"no comment", r"not commented")
# A trailing source tag: "..., police said." / "..., according to medics." / "said police".
_TRAILING = [
    re.compile(r"[,;:\u2014\u2013-]\s*(?:[^,;]{0,120}?\s)?(?:said|says|reported|reports|"
               r"added|told [^,;]{0,60}|tells [^,;]{0,60}|informed|confirmed|claimed|"
               r"wrote [^,;]{0,40}|say|noted|stated|announced)(?:\s+(?:on|in|late|early|this|last|"
               r"earlier|later|at|after)\b[^,;]{0,60})?(?:,\s*(?:adding|without|citing|but|"
               r"giving)\b[^;]*)?\s*[.!]?[\"'”’]?\s*$", re.IGNORECASE),
    re.compile(r"[,;]?\s*\b(?:according to|citing|quoting)\s[^;]{0,200}$", re.IGNORECASE),
    # "..., said the army" (a noun phrase, not "said the army had ...").
    re.compile(r"[,;]\s*(?:said|says|announced|added|stated|confirmed)\s+(?![^;]*\b(?:was|were|is|are|had|has|have|would|will|"
               r"that|could|should|did)\b)[^;]{0,120}$", re.IGNORECASE),
    re.compile(r",?\s*as (?:the )?[^,;]{0,60}(?:said|informed|reported)[^,;]{0,40}$",
               re.IGNORECASE),
    # '"We will respond," he said, ...' - a quote then its attribution.
    re.compile(r"[,.?!][\"'”’]\s+(?:[^,;\"“”]{0,80}?\s)?(?:said|says|added|told|asked|"
               r"wrote)\b.*$", re.IGNORECASE),
]
_STAMP = re.compile(r"^\s*(?:[-•*▪]\s+|\d{1,2}[:.]\d{2}\s*(?:[AP]M|[A-Z]{2,4})?"
                    r"(?:\s+[A-Z][a-z]+)?\s*[-–—:|]\s*|[A-Z][A-Z .'-]+,\s[^-–—]{0,40}[-–—]\s+)")
_PARENTHETICAL_SAY = re.compile(r",\s*(?:he|she|they|it|we|I)\s+(?:says|said|adds|added|"
                                r"recalls|recalled)\s*,|\b(?:which|that|who)\s+(?:he|she|it|they|we)\s+(?:said|says)\b",
                                re.IGNORECASE)
_QUOTED = re.compile(r"[\"“][^\"”]{1,200}[\"”]|(?<!\w)'[^']{1,200}'(?!\w)")
_NEGATED_SAY = re.compile(r"(?=\w)\b(?:(?:was|were|been|being|is|are|no|not|never|n't|would|could|"
                          r"will|to)\s+(?:\w+\s+){0,2}|(?:the|a|an|its|their)\s+)$",
                          re.IGNORECASE)


_CONDEMNED_REFERENCE = re.compile(r"(?=\w)\b(?:the|this|these|such)\s+(?:\w+\s+)?"
                                 r"(?:action|incident|crime|aggression|act|operation)s?\b",
                                 re.IGNORECASE)


@dataclass
class _Context:
    """What the coder remembers from earlier sentences of the same article."""

    violent: frozenset[str] = frozenset()  # labels of the event last named
    labour: bool = False  # the article is about a labour strike
    sport: bool = False  # the article is a sport report


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    """Blank out matches, keeping offsets (so later cues never see them)."""
    return pattern.sub(lambda m: " " * len(m.group()), text)


def _strip_trailing_source(text: str) -> str:
    """The sentence without a trailing "..., X said." / "according to X" tag."""
    body = text.rstrip()
    for pattern in _TRAILING:
        m = pattern.search(body)
        if m and m.start() > 15:
            body = body[: m.start()]
    return body


def _actor_kind(text: str) -> str | None:
    """``"non-state"``, ``"state"`` or None for the first actor named in ``text``."""
    n = NON_STATE.search(text)
    s = STATE.search(_mask(text, NON_STATE))
    if n and (not s or n.start() <= s.start()):
        return "non-state"
    return "state" if s else None


def _agent(text: str, start: int, end: int) -> str | None:
    """Who carries out the event whose cue spans ``text[start:end]``.

    "by X" right after the cue wins; then the nearest actor before the cue in the same
    clause that is not its target ("strikes on Hezbollah positions") nor the subject of
    a verb of saying ("NATO condemned the attack").
    """
    by = r"(?:by|to|on)" if _ATTRIBUTING.search(text[:start]) else "by"
    m = re.match(rf"\s*(?:[\w-]+\s+){{0,3}}?{by}\s+(?:the\s+)?(.{{0,60}})",
                 text[end : end + 90], re.IGNORECASE)
    if m and (kind := _actor_kind(m.group(1))):
        return kind
    lo = max(0, start - 160)
    before = text[lo:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = " " * breaks[-1].end() + before[breaks[-1].end() :]
    best: tuple[int, str] | None = None
    masked = _mask(before, NON_STATE)
    for pattern, kind, source in ((NON_STATE, "non-state", before), (STATE, "state", masked)):
        for a in pattern.finditer(source):
            if _OBJECT_BEFORE.search(before[: a.start()]) or _SPEAKER_AFTER.match(
                    before, a.end()):
                continue
            if best is None or a.start() > best[0]:
                best = (a.start(), kind)
    return best[1] if best else None


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    return any(a <= pos < b for a, b in spans)


def _violent(text: str, ctx: _Context) -> dict[str, float]:
    """Scores of ``attack`` and ``strike`` for one sentence."""
    masked = _mask(text, _CONFUSERS)
    found: list[tuple[re.Match[str], str]] = []
    claimed: list[tuple[int, int]] = []
    for pattern, kind in _CUES:  # earlier, more specific cues claim their span first
        for m in pattern.finditer(masked):
            if not any(m.start() < b and a < m.end() for a, b in claimed):
                found.append((m, kind))
                claimed.append(m.span())
    scores = {"attack": 0.0, "strike": 0.0}
    if not found:  # most sentences: no cue, nothing else to look at
        return scores
    sport = ctx.sport or bool(_SPORT.search(text))
    labour = ctx.labour or bool(_LABOUR.search(text))
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    characterised = bool(_CALLING.search(text) or _CONDEMN.search(text))
    foiled = bool(_FOILED.search(text))
    kinds = {kind for _, kind in found}
    standoff = bool(kinds & {"standoff", "weapon"})

    def by_agent(agent: str | None, p: float, default: str | None) -> list[tuple[str, float]]:
        if agent == "non-state":
            return [("attack", p)]
        if agent == "state":
            return [("strike", p)]
        return [(default, p)] if default else []

    for m, kind in found:
        word = m.group().lower()
        before = masked[: m.start()]
        agent = _agent(masked, m.start(), m.end())
        inherit = [(label, MEDIUM) for label in ctx.violent] \
            if ctx.violent and agent is None and _DEFINITE_BEFORE.search(before) else []
        if kind == "standoff":
            votes = by_agent(agent, STRONG, None) or [("strike", MEDIUM)]
        elif kind == "weapon":
            votes = by_agent(agent, MEDIUM, None) or inherit or [
                ("attack" if word.startswith(("rocket", "projectile")) else "strike", WEAK)]
        elif kind == "strike":
            votes = [] if labour and agent != "state" else (
                by_agent(agent, STRONG, None) or [("strike", MEDIUM)])
        elif kind == "raid":
            votes = by_agent(agent, MEDIUM, None) or inherit or [("strike", WEAK)]
        elif kind == "hit":
            votes = [] if standoff else (by_agent(agent, WEAK, None) or [
                (label, WEAK) for label in ctx.violent])
        elif kind == "operation":
            votes = inherit if word == "the operation" else (
                [("strike", WEAK)] if agent != "non-state" and "kill" in masked.lower() else [])
        elif kind == "aggression":
            votes = by_agent(agent, WEAK, None) or [(label, WEAK) for label in ctx.violent]
        elif kind == "device":
            votes = [("attack", DOUBT if foiled else STRONG)]
        elif kind == "bomb":
            if foiled:
                votes = [("attack", DOUBT)]
            elif agent == "state" and not word.startswith("bombs"):
                votes = [("strike", MEDIUM)]
            else:
                votes = by_agent(agent, STRONG, None) or inherit or (
                    [] if standoff else [("attack", MEDIUM)])
        elif kind == "blast":  # a blast is often what a named strike or attack did
            votes = by_agent(agent, MEDIUM, None) if agent == "non-state" else [] \
                if len(kinds) > 1 else inherit or [("attack", WEAK if "blast" in word else DOUBT)]
        elif kind == "burn":
            votes = [("attack", MEDIUM)] if agent == "non-state" else []
        elif kind == "attack":
            if _MEANS_BEFORE.search(before):
                votes = by_agent(agent, STRONG, None) or inherit or [
                    ("attack" if "rocket" in before[-10:].lower() else "strike", MEDIUM)]
            elif _NON_STATE_MEANS_BEFORE.search(before) or _RETALIATION_BEFORE.search(before):
                votes = [("attack", STRONG)]
            elif agent == "state":
                ground = word.startswith("assault") or _GROUND_TROOPS.search(masked)
                votes = [("attack" if ground else "strike", MEDIUM)]
            else:  # "the attack" is an attack far more often than a strike so called
                votes = by_agent(agent, STRONG, None) or [("attack", MEDIUM)]
        elif kind == "ground":
            if agent == "state" and (standoff or _AIR_OR_SEA.search(masked)):
                votes = [("strike", MEDIUM)]
            else:
                votes = [("attack", MEDIUM if word in ("offensive", "overran", "overrun")
                          else STRONG)]
        else:  # killings: a consequence; it counts only when nothing else names the event
            if len(kinds) > 1 or _DISASTER.search(masked):
                votes = []
            else:
                votes = by_agent(agent, MEDIUM, None) if agent == "non-state" else (
                    inherit or [(label, WEAK) for label in ctx.violent] or [("attack", WEAK)])
        if _HYPOTHETICAL_BEFORE.search(before):
            votes = [(label, min(p, DOUBT)) for label, p in votes]
        if characterised and _inside(quoted, m.start()) and len(found) > 1:
            votes = [(label, min(p, DOUBT)) for label, p in votes]
        if sport and kind != "standoff":
            votes = [(label, min(p, TRACE)) for label, p in votes]
        for label, p in votes:
            scores[label] = max(scores[label], p)
    return scores


def _condemnation(text: str) -> float:
    masked = _mask(text, _NOT_CONDEMN)
    m = _CONDEMN.search(masked)
    if m:
        if re.search(r"\b(?:not|never|would|no|without)\s+(?:\w+\s+)?$", masked[: m.start()],
                     re.IGNORECASE):
            return DOUBT
        return STRONG
    evaluative = len(_EVALUATIVE.findall(masked))
    if evaluative and (_CALLING.search(masked) or evaluative > 1):
        return MEDIUM
    return TRACE if evaluative else 0.0


def _statement(text: str, condemnation: bool) -> float:
    if _ANONYMITY.search(text):
        return DOUBT
    body = _strip_trailing_source(_PARENTHETICAL_SAY.sub(" ", _STAMP.sub("", text, count=1)))
    body = re.sub(r"statements? of accounts?", " ", body, flags=re.IGNORECASE)
    best = 0.0
    for m in _SAY.finditer(body):
        if condemnation and _SAY_CONDEMNING.fullmatch(m.group().split()[0]):
            continue  # the communication is the condemnation itself
        before = body[: m.start()]
        subject = " ".join(re.split(r"[;:]", before)[-1].split()[-10:])
        named = _OFFICIAL.search(subject)
        if _NEGATED_SAY.search(before) or (re.match(r"\s+(?:by|in)\b", body[m.end() :]) and \
                m.group().lower() in ("reported", "claimed")) or (
                _ANONYMOUS_SUBJECT.search(subject) and not named):
            continue
        best = max(best, STRONG if subject else MEDIUM)
    if best and _NO_COMMUNICATION.search(body) and not re.search(
        r"\b(?:said|says|announced|stated)\b", body, re.IGNORECASE
    ):
        best = DOUBT
    return best or (TRACE if _SAY.search(text) else 0.0)


def keyword_scores(text: str, context: _Context | None = None) -> dict[str, float]:
    """Graded keyword scores of one sentence, per label.

    Args:
        text: The sentence.
        context: What earlier sentences of the article established (the event last
            named, a labour or sport topic); None for a sentence on its own.

    Returns:
        ``{label: score}`` with scores in [0, 1]; 0.5 and above means the label is coded.
    """
    ctx = context or _Context()
    scores = _violent(text, ctx)
    scores["condemnation"] = _condemnation(text)
    scores["statement"] = _statement(text, scores["condemnation"] >= 0.5)
    # "condemned the action": the event condemned was named earlier in the article.
    if scores["condemnation"] >= 0.5 and max(scores["attack"], scores["strike"]) < 0.5 \
            and ctx.violent and _CONDEMNED_REFERENCE.search(text):
        for label in ctx.violent:
            scores[label] = max(scores[label], WEAK)
    return scores


def _update(ctx: _Context, text: str, scores: dict[str, float]) -> _Context:
    violent = frozenset(label for label in ("attack", "strike") if scores[label] >= 0.5)
    labour = ctx.labour or bool(_CONFUSERS.search(text) and _LABOUR.search(text)
                                and re.search(r"\bstrik", text, re.IGNORECASE))
    sport = ctx.sport or len(_SPORT.findall(text)) >= 2
    return _Context(violent or ctx.violent, labour, sport)


class KeywordBaseline:
    """A dictionary coder written from the annotation guidelines; no training.

    Cues are verbs and nouns of each event type. The actor next to a violent cue (state
    forces, jets, artillery vs militants, gunmen, named armed groups) splits `strike`
    from `attack`; labour strikes, sport, "heart attack", "condemned building", trailing
    "..., police said" tags, anonymous sources and hypothetical "any future attack" are
    filtered out; a definite reference with no actor ("the raid") takes the label of the
    event last named in the article. Scores are graded (0.9 for a strong cue down to 0.04
    for a trace), so ranking metrics mean something; every threshold is 0.5.
    """

    name = "keyword"

    @property
    def thresholds(self) -> list[float]:
        return [0.5] * len(LABELS)

    def predict_proba_articles(
        self,
        articles: Sequence[ArticleInput],
        batch_size: int | None = None,
        show_progress_bar: bool = False,
    ) -> list[list[list[float]]]:
        """Scores per article, per sentence, per label.

        Args:
            articles: ``(title, sentences)`` per article; a title that is not already
                the first sentence only sets the context.
            batch_size: Unused (kept for the scorer's interface).
            show_progress_bar: Show a tqdm bar over articles (stderr).
        """
        from tqdm.auto import tqdm

        out: list[list[list[float]]] = []
        for title, sentences in tqdm(articles, desc="keyword", unit="article",
                                     disable=not show_progress_bar):
            ctx = _Context()
            if title and (not sentences or sentences[0].strip() != title.strip()):
                ctx = _update(ctx, title, keyword_scores(title, ctx))
            rows = []
            for sentence in sentences:
                scores = keyword_scores(sentence, ctx)
                rows.append([scores[label] for label in LABELS])
                ctx = _update(ctx, sentence, scores)
            out.append(rows)
        return out
