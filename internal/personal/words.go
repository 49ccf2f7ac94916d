package personal

import "strings"

// Word lists the rules use. The first names themselves come from a kept list (firstnames.txt);
// these are English words and the vocabulary of inspection prose.

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// ambiguous are first names that are also common English words, months, days or places: a
// capitalised "May", "Grace" or "Kent" is a name only with stronger context (a title, a surname,
// a family word before it, "said" or an age after it).
var ambiguous = set(`
Abbey Abbot Ad Ado Adore Alley Ally Amber Amble Amity Angel Any Arch Archer Art Arty Ash 
August Aura Axe Bail Bald Bale Ban Bank Bar Barb Bard Barn Barney Baron Base Basil Bat Bay 
Bear Beau Beck Bee Bell Belle Bent Beret Berry Beryl Biddy Bill Birch Bird Birdie Blanch Bliss 
Blithe Bogey Bond Bone Bonnie Bonny Boot Booth Boy Brad Bran Brand Brandy Brew Brewer Bride 
Brier Brig Briny Brook Brooks Buck Bud Buddy Bunny Burg Burr Butch Cad Calypso Camel Camellia 
Candy Caprice Car Care Carmine Carol Carry Cart Carver Case Cash Celesta Cello Chad Chance 
Chandler Chariot Charity Chase Chastity Cherish Cherry Chic Chick Chip Christen Chuck Cinnamon 
Clay Clement Cliff Cob Colas Colleen Collie Con Constancy Cookie Coop Cooper Coral Cord Corny 
Court Craggy Cross Crystal Cull Curry Curt Daffy Dahlia Daisy Dale Dame Dare Darn Dawn Dean 
Deck Dell Delphinia Den Deny Derby Dew Dick Dickie Dicky Dill Dilly Dirk Doe Doll Dolly Don 
Dot Dotty Drake Drew Dud Duff Duke Dun Dusty Earl Early Ebony Else Emery Ester Eve Even Fair 
Faith Fan Fancy Fanny Far Faun Fawn Fax Fedora Fee Felicity Fern Fey Fidelity Field Fielding 
Fields Filbert Fin Flint Flora Ford Forest Forester Foster Frank Free Freedman Freeman Gabby 
Gal Gale Gardener Garland Garner Garnet Garret Gates Gay Gene Ginger Gipsy Glad Glen Glory 
Goober Grace Gram Grange Grannie Granny Grant Griffin Grove Gun Gunner Gusty Guy Gypsy Had 
Hale Hall Ham Hank Happy Hardy Harmony Harp Hart Hasty Haven Haze Hazel Heath Heather Herb Hew 
Hill Hillier Hilly Hogan Holly Honey Hope Hunt Hunter Hyacinth Iris Itch Ivory Ivy Jade Jarred 
Jasmine Jay Jessamine Jewel Job Jock Joy Julienne Kale Keen Kin King Kipper Kit Kitty Lacy 
Lance Land Lane Lark Laurel Law Lay Lea Lee Lefty Levy Lief Lily Link Linnet Lion Lira Lisle 
Lock Lorry Lucky Mace Magnum Major Man Marigold Marina Mark Marlin Marsh Marshal Mart Marten 
Mason Max Maxim May Mayor Mead Melody Mercy Merrily Merry Meta Midge Mile Miles Mill Miller 
Miner Minor Misty Modesty Moll Mommy Moss Muffin My Myrtle Nanny Nap Nappy Natal Natty Nettle 
Nil Noble Noel North Ode Olive Opal Pace Paddy Page Pail Pall Palm Pansy Park Parry Pat Pate 
Patience Patsy Patty Pearl Peg Pen Penny Pet Petunia Pier Pierce Piggy Pip Piper Pooh Poppy 
Port Porter Price Prince Prudence Puff Quill Rabbi Ram Randy Ransom Raven Ray Read Red Reed 
Rice Rich Ring Rip Robin Rock Rocky Rod Roman Rose Rosemary Rosette Rosy Row Royal Rube Ruby 
Ruddy Rusty Salmon Sander Sandy Sapphire Saree Sari Saw Sawyer Sax Say Scarlet See Serene 
Serge Sergeant Shadow Shandy Sharia Shell Shepherd Sherry Sibyl Silvan Sissy Skip Skipper Sky 
Sly Smith Sol Son Sonny Spike Star Sterling Stern Steward Storm Stormy Sully Sunny Sunshine 
Sylvan Tab Tabby Taffy Tailor Tally Tan Tanner Tansy Temp Temple Thatch Thatcher Thorn Thorny 
Tiff Tine Toddy Tome Tore Town Trace Trip Troy Tuck Tucker Turner Urban Vale Valentine Van 
Velvet Verge Viola Violet Viva Wade Wait Waiter Wake Walker Ward Warden Ware Warren Wash Way 
Web Welch Wells Welsh West Wheeler Whit Will Willow Wilt Win Windy Wit Witty Wolf Wood Woodman 
Woody Worth Worthy Wren Wright Yank Yard Yule January February March April May June July August September October November December
Monday Tuesday Wednesday Thursday Friday Saturday Sunday Christmas Easter Christian
Spring Summer Autumn Winter Star Sunny Patience Charity Honor Honour Merry Mercy Constance
Prudence Unity Verity Hope Faith Joy Grace Dawn Rose Israel Jordan Georgia Carolina Virginia
Asia India Paris Sydney Adelaide Florida Chelsea Cleveland Bradford Brent Chester Derby Devon
Dudley Kent Kingston Leicester Milton Richmond Sheffield Somerset Sutton Trent Tyne Wakefield
York Lincoln Preston Stafford Clare Wells Durham Lancaster Warwick Bedford Stanley Ashley
`)

// notName are capitalised words that are never a name nor a surname: words that start
// sentences, and the words of organisations, services, programmes, job titles, documents and
// the calendar.
var notName = set(`
A An And As At After All Also Although Always Another Any Are Because Before Being Both But By
Can Could Did Do Does During Each Either Even Every Few For From Further Had Has Have He Her Here
Hers Him His How However I If In Into Is It Its Just Let Many Might More Most Much Must My
Neither No None Nor Not Now Of Off On Once One Only Or Other Others Our Over Overall Own Per
Please Rather Several She Should Since So Some Such Than That The Their Them Then There These
They This Those Though Through Throughout To Too Two Three Four Five Six Seven Eight Nine Ten
Under Unless Until Up Upon Very Was We Were What Whatever When Where Whether Which While Who
Whom Whose Why With Within Without Would Yes Yet You Your First Second Third Last Next
Each Both Most Around About Across Against Along Among Between Beyond Despite Following Like
Near Outside Inside Towards Via Whilst Unlike Alongside Today Yesterday Tomorrow Recently
Mum Mom Mother Dad Father Parent Parents Carer Carers Family Families Baby Babies Child Children
Toddler Toddlers Son Daughter Sister Brother Partner Grandparent Grandparents Staff Practitioners
Hub Hubs Start Life Best Health Healthy Care Council Councils Department Education Ofsted
Commission Quality Public Director Directors Service Services Team Teams Trust Trusts Board
Boards Partnership Partnerships Centre Centres Center School Schools Nursery Nurseries Hospital
Hospitals Visitor Visitors Visiting Worker Workers Support Supporting Early Help Years Year Local
Authority Authorities Government Social County Borough City District Integrated System Systems
Primary Network Group Groups Programme Programmes Program Plan Plans Strategy Report Reports
Review Reviews Policy Policies Framework Act Guidance Standard Standards Midwifery Midwife
Midwives Maternity Perinatal Mental Infant Infants Feeding Breastfeeding Home Homes Learning
Parenting Voice Voices Forum Panel Committee England English British Britain Northern Southern
Eastern Western North South East West Central Inspector Inspectors Inspection Inspections Lead
Leads Leader Leaders Leadership Manager Managers Management Head Heads Officer Officers
Coordinator Co-ordinator Nurse Nurses Nursing Doctor Doctors Practitioner Consultant Assistant
Chief Executive Senior Deputy Principal Unit Clinic Clinics Surgery Practice Medical
Foundation University College Academy Library Food Stay Play Chatter Talk Together Connect
Welcome Safe Sound Sure Steps Matters Minds Speech Language Therapy Communication Development
Needs Special Disability Disabilities Domestic Abuse Violence Drug Drugs Alcohol Housing Police
Court Justice Youth Adult Adults Community Communities Voluntary Sector Church Mosque Leisure
Pharmacy Dental Dentist Office Ministry Secretary State Minister National Regional Annual
Summary Section Chapter Appendix Table Figure Annex Page Version Draft Final Term Week Day Month
Healthwatch Barnardo Barnardo's NSPCC Home-Start Action Citizens Advice Jobcentre Plus Universal
Credit Benefits Welfare Rights Red Cross Salvation Army Women's Aid Refuge Relate Samaritans Mind
Unicef Friendly Initiative Commissioner Commissioning Commissioners Agency Agencies Institute
Association Society Federation Alliance Coalition Project Projects Scheme Fund Funding Grant
Transformation Offer Model Pathway Pathways Outcomes Outcome Data Evidence Findings Finding
Recommendation Recommendations Example Examples Good Key Area Areas Line Lines Enquiry Theme
Themes Visit Visits Meeting Meetings Session Sessions Workshop Workshops Survey Surveys Focus
Interview Interviews Case Cases File Files Record Records Note Notes Self-assessment Assessment
Assessments Judgement Judgements Risk Risks Safeguarding Protection Looked After Leaving Virtual
Designated Named Specialist Senior Strategic Operational Joint Multi-agency Partners Partner
Emotional Wellbeing Well-being Physical Activity Nutrition Oral Vision Hearing Immunisation
Vaccination Screening Antenatal Postnatal Birth Registration Registrar Register Infant-feeding
Reducing Parental Conflict Relationships Education Health Care EHC SENCO Portage Solihull
Incredible Years Triple Freedom Programme Elklan Wellcomm ASQ Ages Stages Questionnaire
Hello Hi Dear Thanks Thank Regards Kind Yours Sincerely Faithfully Mr Mrs Ms Miss Mx Dr Prof
Sir Dame Lady Lord Madam Professor Reverend Revd Father Sister Councillor Cllr Minister
Volunteer Teacher Receptionist Chair Chairs Clinician Therapist Childminder Resident Respondent
Attendee Student Students Apprentice Trainee Caseworker Advocate Mentor Champion Champions Peer
Peers Fathers Mothers Dads Mums Teachers Volunteers Professionals Everyone Everybody Nobody Someone
Somebody Anyone Colleagues Residents Users Respondents Attendees Clinicians Therapists Childminders
MP MPs Q1 Q2 Q3 Q4 UK US EU GP GPs A&E NHS DfE DHSC CQC LA LAs ICB ICBs
`)

// orgWords end the names of places and organisations: a first name before one ("Alexandra
// Park", "Victoria Infirmary", "St Mary's Hospital") is not a person.
var orgWords = set(`
Hospital Hospice Infirmary House Lodge Centre Center School Academy College University Nursery
Surgery Practice Clinic Ward Unit Hub Hall Church Chapel Mosque Temple Library Trust Council
Foundation Primary Infant Junior Park Estate Gardens Street Road Lane Avenue Close Drive Way
Crescent Court Place Terrace Grove Walk Square Hill Row Green Mews Rise View Parade Mount
Bridge Building Buildings Room Suite Wing Block Village Town City Quay Wharf Campus Prize Award
Fund Charity Project Group Network Medical Health Children's Family Community Leisure Arena
Stadium Station Airport Market Shopping Mall Retail Business Enterprise Institute Day Kitchen
Cottage Cottages Farm Manor Towers Barn
`)

// orgBefore start the names of places and organisations ("St Mary's", "Queen Elizabeth").
var orgBefore = set(`St Saint Queen King Prince Princess Royal Lady Lord Duke Duchess Port Fort Mount Lake Cape`)

// titles come before a person's name.
var titles = set(`Mr Mrs Ms Miss Mx Dr Prof Professor Sir Dame Mstr Master`)

// relations are family words: "her son Jack", "baby Alfie", "Dad (Tom, 34)".
var relations = set(`mum mom mummy mother mam dad daddy father son sons daughter daughters baby child
toddler brother sister sibling grandmother grandma nan nana nanna gran granny grandad granddad
grandpa grandfather grandson granddaughter grandchild aunt auntie aunty uncle cousin partner
husband wife boyfriend girlfriend fiancé fiance fiancée stepdad stepmum step-dad step-mum
stepfather stepmother stepson stepdaughter stepbrother stepsister twin twins nephew niece infant
newborn kinship carer`)

// childRelations name a child: a name after one, with an age, is a child's name and age.
var childRelations = set(`son sons daughter daughters baby child toddler grandson granddaughter
grandchild stepson stepdaughter twin twins infant newborn nephew niece`)

// speech verbs after a capitalised word show it is a person ("Kerry said").
var speech = set(`said says told tells explained explains described describes reported reports
felt feels shared shares added adds commented comments mentioned mentions stated states
recalled recalls asked asks spoke speaks talked noted notes agreed agrees confirmed confirms
attends attended lives lived`)

// preps before a month-like first name show it is a date ("in May", "by June").
var preps = set(`in on of since during by from until till last next early late mid this that
every each the a an at for to before after into through throughout between around about and or
than per`)

// streetTypes end a street name.
var streetTypes = set(`Street St Road Rd Lane Ln Avenue Ave Close Drive Dr Way Crescent Court Place
Terrace Gardens Grove Walk Square Hill Row Green Mews Rise View Parade Mount Vale Park Gate
Wynd Chase Croft Fold Garth Bank Side Approach Boulevard Causeway Circus Crossway Dene Field
Fields Heights Hollow Meadow Meadows Orchard Passage Path Ridge Wharf Yard Villas Cottages`)

// weakStreetTypes are street types that are also common nouns: "3 Buggy Walk sessions" is not an
// address, so one of these must not be followed by a lower-case word.
var weakStreetTypes = set(`Walk Hill Row Park Green Way Court Place Square View Bank Side Gate Chase Field
Fields Path Yard Mount Rise Approach Passage`)

// joiners continue a sentence after an address or a name.
var joiners = set(`and or in on at near with who where which when is was has had lives lived
living moved off to by for the a an as but so because after before since until from into
were are have`)

// weakOrg are place words that are also common surnames ("Rachel Green", "Sarah Hall").
var weakOrg = set(`Ward Green Hill Hall Field Fields Bank Wood Lane`)

// locative words before "Alexandra Park" show it is a place.
var locative = set(`at in near on from opposite behind outside around via towards past the to into`)
