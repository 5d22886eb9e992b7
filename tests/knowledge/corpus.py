"""Retrieval-quality corpus: original prose across many domains. Written for Atrium's tests; the
questions paraphrase the documents rather than copy their wording."""

from __future__ import annotations

DOCUMENTS: list[tuple[str, str]] = [
    (
        "sourdough-starter.txt",
        "A sourdough starter is a living culture of flour and water that leavens bread without "
        "commercial yeast. Wild yeasts and lactic acid bacteria settle in the mixture from the "
        "flour, the air and the baker's hands. During the first week the culture is refreshed "
        "daily: most of it is discarded and the remainder is fed with fresh flour and water, "
        "usually in equal weights. Early bubbling often comes from opportunistic bacteria and "
        "fades before the stable community takes over. A mature starter doubles in volume "
        "within four to eight hours of feeding and smells pleasantly sour, somewhere between "
        "yogurt and green apple. The bacteria produce lactic and acetic acids, which give the "
        "loaf its tang and also slow staling and mould. Bakers who want a milder flavour keep "
        "the starter warm and liquid, since cooler, stiffer cultures favour acetic acid and a "
        "sharper taste. A neglected starter that has formed a grey liquid layer, often called "
        "hooch, can usually be revived with two or three feedings.",
    ),
    (
        "brioche-dough.txt",
        "Brioche is an enriched dough in which butter, eggs and sugar make up a large share of "
        "the weight, sometimes with butter equal to half the flour. Because fat coats the "
        "gluten strands and slows their development, the dough is first kneaded with eggs alone "
        "until it becomes smooth and elastic, and only then is softened butter worked in a few "
        "pieces at a time. A stand mixer helps, since the mixture is sticky and warms quickly "
        "from friction; if the butter melts, the dough turns greasy and loses structure. Most "
        "recipes rely on commercial yeast in generous amounts, because sugar and fat both slow "
        "fermentation. After a short rise at room temperature the dough is chilled overnight. "
        "The cold firms the butter, which makes shaping possible, and the long slow rest "
        "develops flavour. Brioche is usually baked in fluted tins or loaf pans and brushed "
        "with egg wash for a deep, glossy brown crust and a tender, cake-like crumb.",
    ),
    (
        "suspension-bridge.txt",
        "In a suspension bridge the deck hangs from vertical cables called suspenders, which "
        "are attached to two main cables draped over tall towers. The main cables carry the "
        "load in pure tension and pass it to massive anchorages buried in rock or concrete at "
        "each end, while the towers are pushed downward in compression. Because steel wire is "
        "extremely strong when pulled, this design can cross wider gaps than any other, and the "
        "longest spans in the world, measured in kilometres, are of this type. The main cables "
        "are usually spun in place from thousands of parallel galvanized wires that are then "
        "compacted and wrapped. The weakness of the form is flexibility: a light deck can twist "
        "and oscillate in wind. The collapse of the Tacoma Narrows Bridge in 1940, only months "
        "after it opened, taught engineers to stiffen decks with deep trusses or aerodynamic "
        "box girders and to test models in wind tunnels before construction.",
    ),
    (
        "cantilever-bridge.txt",
        "A cantilever bridge is built from arms that project horizontally from piers and are "
        "supported at only one end. Each arm is balanced by an anchor arm on the opposite side "
        "of the pier, so the structure can be erected outward over water without temporary "
        "supports underneath, which made the form attractive for deep rivers and busy shipping "
        "channels. Often the two cantilevers reaching toward each other from neighbouring piers "
        "do not meet directly; instead a shorter suspended span is lifted into the gap between "
        "them. The Forth Bridge in Scotland, completed in 1890, is the classic steel example, "
        "with its huge tubular members designed to reassure a public still shaken by the Tay "
        "Bridge disaster. The Quebec Bridge in Canada, the longest span of its kind, collapsed "
        "twice during construction, once in 1907 because of miscalculated member weights and "
        "again in 1916 when the central section fell while being hoisted. Modern cantilever "
        "construction is common in segmental concrete bridges.",
    ),
    (
        "arch-bridge.txt",
        "An arch bridge carries its load by turning vertical weight into compression that runs "
        "along a curved rib and pushes outward and downward at the ends, called abutments. "
        "Since stone and unreinforced concrete are strong when squeezed but weak when "
        "stretched, the arch was the natural choice for masonry builders for thousands of "
        "years. During construction a temporary timber framework known as centering holds the "
        "stones in shape until the keystone is placed at the crown, after which the arch stands "
        "on its own. The Romans built many semicircular stone arches, while later engineers "
        "used flatter segmental curves to reduce the height of the structure. The deck can sit "
        "on top of the arch, hang beneath it from ties, or pass through the middle. Because the "
        "abutments must resist strong horizontal thrust, arch bridges suit rocky gorges where "
        "solid canyon walls can absorb the push.",
    ),
    (
        "rust-ownership.txt",
        "Rust manages memory without a garbage collector by enforcing ownership rules at "
        "compile time. Every value has a single owner, a variable, and when that owner goes out "
        "of scope the value is dropped and its memory released immediately. Assigning a "
        "heap-allocated value to another variable moves it, so the original name can no longer "
        "be used, which prevents two parts of a program from freeing the same allocation. Code "
        "that needs access without taking ownership borrows a reference instead. The borrow "
        "checker allows either any number of shared, read-only references or exactly one "
        "mutable reference at a time, and it verifies that no reference outlives the data it "
        "points to. These rules eliminate use-after-free errors and data races in safe code "
        "with no runtime cost. When shared ownership really is needed, the standard library "
        "provides reference-counted smart pointers such as Rc and its thread-safe sibling Arc, "
        "and the unsafe keyword marks the rare blocks where the programmer takes responsibility "
        "instead.",
    ),
    (
        "java-garbage-collection.txt",
        "The Java virtual machine frees memory automatically with a tracing garbage collector. "
        "Objects are allocated on a heap, and the collector periodically finds every object "
        "reachable from roots such as local variables and static fields; anything not reached "
        "is garbage and its space can be reused. Most implementations are generational, based "
        "on the observation that most objects die young. New objects are created in a young "
        "region, which is collected often and cheaply by copying the few survivors elsewhere, "
        "while objects that survive several collections are promoted to an old region that is "
        "cleaned less frequently. Collection can pause application threads, so the JVM offers "
        "several collectors with different trade-offs. G1 divides the heap into many equal "
        "regions and aims to meet a pause-time goal, while ZGC and Shenandoah do most of their "
        "work concurrently and keep pauses to a few milliseconds even on very large heaps. "
        "Developers tune behaviour with command-line flags for heap size and collector choice.",
    ),
    (
        "python-reference-counting.txt",
        "CPython, the standard implementation of Python, keeps a reference count in every "
        "object that records how many names, containers and other objects currently point to "
        "it. Whenever a reference is created the count goes up, and whenever one disappears it "
        "goes down; when it reaches zero the object is freed at once, which is why files and "
        "other resources are often released as soon as the last variable referring to them is "
        "deleted. Reference counting alone cannot reclaim cycles, such as two objects that "
        "refer to each other, so CPython adds a supplementary cycle detector in the gc module. "
        "It tracks container objects in three generations and occasionally looks for groups "
        "that are only reachable from one another. The sys.getrefcount function reveals the "
        "current count, although the number it reports is one higher than expected because "
        "passing the object as an argument creates a temporary reference. Weak references allow "
        "caches to point to objects without keeping them alive.",
    ),
    (
        "photosynthesis.txt",
        "Photosynthesis is the process by which plants, algae and some bacteria capture light "
        "energy and store it in sugar. In plants it takes place in chloroplasts, where the "
        "green pigment chlorophyll absorbs mostly red and blue light and reflects green. The "
        "first stage, the light-dependent reactions, occurs in stacked membranes called "
        "thylakoids: absorbed energy splits water molecules, releasing oxygen as a by-product "
        "and producing the energy carriers ATP and NADPH. The second stage, known as the Calvin "
        "cycle, happens in the surrounding fluid, the stroma. There the enzyme RuBisCO fixes "
        "carbon dioxide from the air onto a five-carbon sugar, and the ATP and NADPH from the "
        "first stage are spent to build three-carbon sugars that the plant turns into glucose, "
        "sucrose and starch. RuBisCO is slow and sometimes grabs oxygen by mistake, so plants "
        "such as maize and sugarcane use a C4 pathway that concentrates carbon dioxide around "
        "the enzyme in hot, bright climates.",
    ),
    (
        "plate-tectonics.txt",
        "The theory of plate tectonics holds that the Earth's rigid outer shell, the "
        "lithosphere, is broken into about a dozen large plates and many smaller ones that "
        "glide over the hotter, softer asthenosphere beneath. They move only a few centimetres "
        "a year, roughly as fast as fingernails grow. Where plates pull apart, as along the "
        "Mid-Atlantic Ridge, magma rises and forms new ocean floor. Where they converge, the "
        "denser oceanic plate usually sinks beneath the other in a subduction zone, producing "
        "deep trenches, volcanic arcs and powerful earthquakes; when two continents collide, "
        "neither sinks easily and the crust crumples into ranges such as the Himalayas. At "
        "transform boundaries like the San Andreas Fault, plates slide past each other "
        "sideways. The idea grew from Alfred Wegener's proposal of continental drift in 1912, "
        "which was widely rejected until seafloor mapping in the 1950s and 1960s revealed "
        "symmetrical magnetic stripes on either side of the ridges.",
    ),
    (
        "shield-volcanoes.txt",
        "Shield volcanoes are broad, gently sloping mountains built from countless flows of "
        "fluid basaltic lava. Because basalt is low in silica, it runs easily and can travel "
        "many kilometres before cooling, so the volcano grows outward more than upward and its "
        "profile resembles a warrior's shield lying on the ground. Eruptions are usually "
        "effusive rather than explosive: gases escape readily from the runny magma, producing "
        "fountains, lava lakes and rivers of molten rock instead of towering ash columns. Lava "
        "tubes form when the surface of a flow crusts over while molten rock keeps moving "
        "inside. The Hawaiian islands are the best-known examples, fed by a hotspot deep in the "
        "mantle. Mauna Loa rises more than nine kilometres from its base on the sea floor, "
        "making it larger by volume than any other active volcano on Earth. Iceland and the "
        "Galapagos also host shield volcanoes.",
    ),
    (
        "stratovolcanoes.txt",
        "Stratovolcanoes, also called composite volcanoes, are the steep, cone-shaped peaks "
        "that most people picture when they think of a volcano. They are built from alternating "
        "layers of lava, ash and rock fragments, and they usually form above subduction zones "
        "where one plate sinks beneath another. Their magma is rich in silica, making it thick "
        "and sticky, so dissolved gases cannot escape easily. Pressure builds until it is "
        "released in violent explosive eruptions that can send ash many kilometres into the "
        "sky. The most dangerous products are pyroclastic flows, avalanches of hot gas and "
        "debris that race down the slopes at hundreds of kilometres per hour, and lahars, "
        "mudflows formed when eruptions melt snow or mix with heavy rain. Mount Fuji, Mount St. "
        "Helens, Vesuvius and Pinatubo are examples. The 1991 eruption of Pinatubo injected so "
        "much sulfur into the stratosphere that average global temperatures fell by about half "
        "a degree for a year or more.",
    ),
    (
        "ocean-tides.txt",
        "Tides are the regular rise and fall of sea level caused mainly by the gravitational "
        "pull of the Moon, with a smaller contribution from the Sun. The Moon pulls hardest on "
        "the side of the Earth facing it and weakest on the far side, so the oceans bulge in "
        "two places at once, and most coasts experience two high waters and two low waters "
        "roughly every twenty-four hours and fifty minutes. When the Sun, Moon and Earth line "
        "up at new and full moon, their effects combine to give spring tides with a large "
        "range; at the quarter moons they partly cancel, producing weaker neap tides. The shape "
        "of coastlines and the depth of the sea floor greatly modify these effects. "
        "Funnel-shaped bays can amplify the range dramatically, and the Bay of Fundy in Canada "
        "sees differences of more than fifteen metres between high and low water, while parts "
        "of the Mediterranean barely notice a change.",
    ),
    (
        "neutron-stars.txt",
        "A neutron star is the collapsed core left behind when a massive star explodes as a "
        "supernova. Gravity crushes the core so completely that electrons and protons merge "
        "into neutrons, producing an object about twenty kilometres across yet heavier than the "
        "Sun. A teaspoon of its material would weigh billions of tonnes on Earth. Because "
        "angular momentum is conserved during the collapse, newborn neutron stars spin "
        "extremely fast, and their magnetic fields are trillions of times stronger than "
        "Earth's. When beams of radio waves from the magnetic poles sweep across our line of "
        "sight, astronomers detect regular pulses and call the object a pulsar. The first was "
        "discovered in 1967 by Jocelyn Bell Burnell, a graduate student, whose signal was so "
        "regular that it was briefly nicknamed LGM, for little green men. In 2017 "
        "gravitational-wave detectors recorded two neutron stars merging, and follow-up "
        "telescopes confirmed that such collisions forge heavy elements like gold and platinum.",
    ),
    (
        "gutenberg-printing-press.txt",
        "Johannes Gutenberg, a goldsmith from Mainz, developed a printing system around 1450 "
        "that transformed the spread of knowledge in Europe. Printing from carved wooden blocks "
        "was already known, and movable type had been used earlier in China and Korea, but "
        "Gutenberg combined several innovations into a practical process. He devised a hand "
        "mould that let workers cast large numbers of identical metal letters quickly from an "
        "alloy of lead, tin and antimony, which melted at a low temperature and hardened "
        "without shrinking. He adapted the screw press used by winemakers to press paper evenly "
        "onto the type, and he developed an oil-based ink that clung to metal better than the "
        "water-based inks used for woodblocks. His famous Bible, finished around 1455, was "
        "printed in about 180 copies. Within fifty years presses operated in more than two "
        "hundred European cities, and millions of books had been produced, helping fuel the "
        "Reformation and the scientific revolution.",
    ),
    (
        "hanseatic-league.txt",
        "The Hanseatic League was a commercial and defensive alliance of merchant guilds and "
        "market towns that dominated trade in northern Europe from the thirteenth to the "
        "fifteenth century. Centred on Lubeck, it linked cities such as Hamburg, Bremen, Danzig "
        "and Riga, and it maintained foreign trading posts called Kontore in London, Bruges, "
        "Bergen and Novgorod. Members exchanged goods across the Baltic and North Seas: furs "
        "and wax from Russia, grain from Prussia, dried cod from Norway, cloth from Flanders "
        "and England, and salt needed to preserve herring. The league had no standing army or "
        "single government, yet it could wage war; after defeating Denmark it won favourable "
        "terms in the Treaty of Stralsund in 1370. Its power declined as territorial states "
        "grew stronger, Atlantic routes became more important and Dutch merchants outcompeted "
        "it. The last formal assembly, or Diet, met in 1669, though Hamburg and Bremen still "
        "call themselves Hanseatic cities.",
    ),
    (
        "roman-aqueducts.txt",
        "Roman aqueducts carried fresh water from distant springs and rivers to cities, "
        "supplying public fountains, baths, latrines and the houses of the wealthy. Contrary to "
        "popular images, most of their length ran underground in covered channels cut into "
        "hillsides or buried in trenches, which protected the water from contamination and "
        "enemies. The famous rows of arches were needed only where the channel had to cross a "
        "valley. The whole system relied on gravity, so surveyors had to maintain a gentle, "
        "continuous downward slope, sometimes less than a metre of fall per kilometre, using "
        "instruments such as the chorobates, a long levelling table. At the city, water entered "
        "a distribution tank, the castellum, which divided the flow among pipes made of lead or "
        "terracotta. By the third century eleven aqueducts served Rome itself. The Pont du Gard "
        "in southern France, standing nearly fifty metres high across the Gardon river, is one "
        "of the best-preserved surviving bridges from such a system.",
    ),
    (
        "silk-road.txt",
        "The Silk Road was not a single highway but a shifting network of caravan routes "
        "linking China with Central Asia, Persia, the Middle East and the Mediterranean. It "
        "flourished from the Han dynasty, around the second century BCE, until the fifteenth "
        "century. Few merchants travelled the whole distance; goods passed through many hands "
        "in oasis cities such as Samarkand, Bukhara and Kashgar, increasing in price at each "
        "stage. Chinese silk was the most famous export, but porcelain, tea, paper and spices "
        "moved west, while horses, glassware, wool and silver moved east. Ideas travelled as "
        "well. Buddhism spread from India into China along these routes, and later Islam, "
        "Nestorian Christianity and Manichaeism followed. Technologies such as papermaking "
        "reached the Islamic world and eventually Europe. The routes were also a pathway for "
        "disease, and the Black Death of the fourteenth century may have moved westward with "
        "traders. Sea routes and the collapse of Mongol unity eventually reduced overland "
        "traffic.",
    ),
    (
        "meiji-restoration.txt",
        "The Meiji Restoration of 1868 returned political authority in Japan from the Tokugawa "
        "shogunate to the emperor and launched rapid modernization. Pressure had built since "
        "1853, when American warships under Commodore Matthew Perry arrived and forced Japan to "
        "open its ports after more than two centuries of strict isolation. Samurai from the "
        "southwestern domains of Satsuma and Choshu, angry at the shogun's weakness, allied to "
        "overthrow him and restored the young Emperor Meiji as the symbol of a new state. The "
        "new government abolished the feudal domains and replaced them with prefectures, ended "
        "the samurai's privileged status, introduced conscription and universal schooling, and "
        "adopted a constitution in 1889 modelled partly on Prussia's. It sent missions abroad "
        "to study Western industry, law and military organization, and it built railways, "
        "telegraph lines and modern factories. Within a few decades Japan had become an "
        "industrial power able to defeat China in 1895 and Russia in 1905.",
    ),
    (
        "risotto.txt",
        "Risotto is a northern Italian rice dish whose creamy texture comes from the grain "
        "itself rather than from added cream. Short, plump varieties such as Arborio, Carnaroli "
        "and Vialone Nano are used because their surfaces release plenty of starch while their "
        "centres stay firm. The cook first softens onion in butter, then toasts the dry rice in "
        "the fat for a minute or two until the grains turn slightly translucent at the edges, a "
        "step called the tostatura. A splash of white wine is added and allowed to evaporate. "
        "Hot stock is then ladled in a little at a time, with frequent stirring, so that the "
        "grains rub against each other and shed starch into the liquid. After about eighteen "
        "minutes the rice should be tender but still have a slight bite. The pan is taken off "
        "the heat and cold butter and grated Parmesan are beaten in vigorously, the "
        "mantecatura, giving a loose texture that should spread gently on the plate, like a "
        "wave.",
    ),
    (
        "kimchi-fermentation.txt",
        "Kimchi is a Korean staple of fermented vegetables, most often napa cabbage seasoned "
        "with chili flakes, garlic, ginger, spring onion and fish sauce or salted shrimp. The "
        "cabbage is first salted for several hours, which draws out water, softens the leaves "
        "and suppresses spoilage organisms, and then rinsed before the seasoning paste is "
        "rubbed between the leaves. Packed tightly into a jar or crock, the vegetables ferment "
        "through the action of lactic acid bacteria already present on the produce, especially "
        "species of Leuconostoc early on and Lactobacillus later. These microbes convert sugars "
        "into lactic acid, carbon dioxide and flavour compounds, lowering the pH and giving "
        "kimchi its sour, fizzy character. Fermentation at room temperature for a day or two "
        "followed by refrigeration slows the process and lets flavour develop over weeks. "
        "Traditionally, families gathered each autumn for kimjang, the communal making of large "
        "batches to last the winter, a practice recognized by UNESCO as intangible cultural "
        "heritage.",
    ),
    (
        "tempering-chocolate.txt",
        "Tempering is the controlled heating and cooling of chocolate so that its cocoa butter "
        "solidifies in the right crystal structure. Cocoa butter can crystallize in six "
        "different forms, but only form five gives a glossy surface, a clean snap and a "
        "pleasant melt in the mouth. Untempered chocolate sets soft, dull and streaky, with "
        "grey blotches called bloom. In the classic method, dark chocolate is melted completely "
        "to around 45 to 50 degrees Celsius to erase all existing crystals, cooled while being "
        "worked on a marble slab to about 27 degrees so that stable and unstable crystals form, "
        "and then gently rewarmed to 31 or 32 degrees, which melts the unstable types and "
        "leaves only form five to seed the rest. Milk and white chocolate need slightly lower "
        "temperatures because milk fat interferes with crystallization. A simpler seeding "
        "method stirs chopped tempered chocolate into melted chocolate. A quick test is to "
        "smear a little on foil and see whether it sets shiny within minutes.",
    ),
    (
        "hollandaise-sauce.txt",
        "Hollandaise is a warm emulsified sauce of egg yolks, butter and lemon juice, one of "
        "the classic mother sauces of French cuisine. Butter is mostly fat with some water, and "
        "the yolks supply lecithin and proteins that coat tiny droplets of fat and keep them "
        "suspended in the watery lemon juice. The yolks are whisked with a little liquid over a "
        "pan of barely simmering water until they thicken and leave a trail, then melted or "
        "clarified butter is added slowly in a thin stream while whisking continuously. If the "
        "butter goes in too fast, or the mixture gets too hot, the sauce breaks: the yolks "
        "scramble or the fat separates into a greasy pool. A broken hollandaise can often be "
        "rescued by whisking it drop by drop into a fresh yolk or a spoonful of warm water. "
        "Because it cannot be reheated, it is made just before serving, traditionally with eggs "
        "Benedict, asparagus or poached fish. Adding tarragon and shallot reduction turns it "
        "into bearnaise.",
    ),
    (
        "type-1-diabetes.txt",
        "Type 1 diabetes is an autoimmune condition in which the immune system destroys the "
        "beta cells of the pancreas, the cells that produce insulin. Without insulin, glucose "
        "cannot enter most body tissues and builds up in the blood, while the body breaks down "
        "fat for fuel and produces acidic ketones. Symptoms often appear quickly over a few "
        "weeks and include intense thirst, frequent urination, weight loss and tiredness; if "
        "untreated, the condition can progress to diabetic ketoacidosis, a medical emergency. "
        "It most often begins in childhood or adolescence, although adults can develop it too, "
        "and it is not caused by diet or lifestyle. Treatment requires lifelong insulin "
        "replacement, delivered by several daily injections or by a pump worn on the body. "
        "Continuous glucose monitors with small sensors under the skin now report levels every "
        "few minutes, and some systems link the sensor and pump to adjust doses automatically. "
        "Insulin was first isolated for treatment by Banting and Best in Toronto in 1921.",
    ),
    (
        "type-2-diabetes.txt",
        "Type 2 diabetes is the most common form of diabetes, accounting for roughly nine in "
        "ten cases worldwide. In this condition the pancreas still makes insulin, but muscle, "
        "liver and fat cells respond poorly to it, a state called insulin resistance, and over "
        "time the beta cells cannot keep up with the increased demand. Blood glucose therefore "
        "rises gradually, often without obvious symptoms for years, so many people are "
        "diagnosed through routine blood tests such as HbA1c, which reflects average glucose "
        "over about three months. Risk factors include excess weight, especially around the "
        "abdomen, physical inactivity, older age and family history. Lifestyle changes, "
        "including weight loss and regular exercise, can improve control and sometimes bring "
        "levels back into the normal range. When medication is needed, metformin is usually the "
        "first choice; newer drug classes such as SGLT2 inhibitors and GLP-1 receptor agonists "
        "also protect the heart and kidneys. Long-term complications affect the eyes, nerves, "
        "kidneys and blood vessels.",
    ),
    (
        "mrna-vaccines.txt",
        "Messenger RNA vaccines give cells temporary instructions for making a harmless piece "
        "of a pathogen, usually a surface protein, so the immune system learns to recognize it. "
        "The mRNA is wrapped in tiny lipid nanoparticles that protect it from enzymes and help "
        "it enter cells near the injection site. Once inside, ribosomes read the message and "
        "produce the protein, which is displayed to the immune system and triggers both "
        "antibodies and T cells. The mRNA itself never enters the cell nucleus and cannot alter "
        "DNA; it is broken down within days. A key advance was the discovery by Katalin Kariko "
        "and Drew Weissman that replacing uridine with a modified nucleoside, pseudouridine, "
        "prevented the synthetic RNA from provoking harmful inflammation, work recognized with "
        "the Nobel Prize in 2023. Because the sequence can be written quickly once a virus's "
        "genome is known, vaccines against COVID-19 were designed within days in early 2020. "
        "Early versions required very cold storage, which complicated distribution.",
    ),
    (
        "appendicitis.txt",
        "Appendicitis is inflammation of the appendix, a narrow pouch attached to the large "
        "intestine in the lower right abdomen. It usually begins when the opening of the "
        "appendix becomes blocked, often by hardened stool or swollen lymphoid tissue, allowing "
        "bacteria to multiply. The classic pattern starts with vague pain around the navel "
        "that, over several hours, moves to the lower right side and becomes sharp, worse with "
        "coughing or walking. Loss of appetite, nausea and a mild fever are common. Doctors "
        "examine for tenderness at McBurney's point and may use blood tests, ultrasound or CT "
        "scanning to confirm the diagnosis. If left untreated, the inflamed appendix can burst, "
        "spreading infection through the abdominal cavity and causing peritonitis, which is "
        "life-threatening. The standard treatment is surgical removal, now usually done "
        "laparoscopically through small incisions, and most patients go home within a day or "
        "two. Some uncomplicated cases are treated with antibiotics alone, although the "
        "condition may return.",
    ),
    (
        "adverse-possession.txt",
        "Adverse possession is a legal doctrine that allows someone who occupies another "
        "person's land for a long period to acquire ownership of it, even without paying for "
        "it. The rule sounds unfair, but it serves purposes: it rewards productive use, clears "
        "up uncertain boundaries and prevents stale claims from unsettling long-established "
        "arrangements. Requirements vary between jurisdictions, but the occupation must "
        "typically be actual, open and notorious, exclusive, hostile and continuous for the "
        "statutory period. Hostile does not mean aggressive; it means without the owner's "
        "permission, so a tenant or invited guest cannot claim. Open and notorious use is "
        "visible enough that a reasonably attentive owner would notice it, such as fencing, "
        "building or farming. The required period ranges from as little as five years in some "
        "American states to twenty or more elsewhere. In England and Wales, the Land "
        "Registration Act 2002 made claims against registered land much harder by requiring "
        "that the owner be notified and given a chance to object.",
    ),
    (
        "habeas-corpus.txt",
        "Habeas corpus, Latin for 'you shall have the body', is a legal order requiring that a "
        "person held in custody be brought before a court so a judge can decide whether the "
        "detention is lawful. If the authorities cannot show a valid legal basis, the prisoner "
        "must be released. The writ developed in English common law and was strengthened by the "
        "Habeas Corpus Act of 1679, passed by Parliament to stop the Crown from holding "
        "opponents indefinitely without charge or moving them to places beyond the reach of the "
        "courts. It is often described as a foundation of personal liberty because it checks "
        "executive power over imprisonment. The United States Constitution forbids its "
        "suspension except when public safety requires it in cases of rebellion or invasion. "
        "President Lincoln controversially suspended it during the Civil War. In modern "
        "practice, it is also used to challenge immigration detention and, in the United "
        "States, by state prisoners arguing that their convictions violated federal "
        "constitutional rights.",
    ),
    (
        "statute-of-limitations.txt",
        "A statute of limitations sets the maximum time after an event within which legal "
        "proceedings may be started. Once the period expires, a defendant can raise the lapse "
        "of time as a defence and the claim is normally dismissed, no matter how strong it "
        "might have been. The rationale is that evidence deteriorates, witnesses forget or die, "
        "and people deserve eventual certainty that old disputes will not resurface. Periods "
        "differ by type of case. Contract claims commonly allow several years, personal injury "
        "claims often less, and many jurisdictions set no limit for the most serious crimes, "
        "such as murder. The clock does not always start on the day of the wrongful act. Under "
        "the discovery rule, it may begin only when the injured person learned, or reasonably "
        "should have learned, of the harm, which matters in cases of hidden medical errors or "
        "slowly developing illnesses. The period can also be paused, or tolled, while the "
        "claimant is a minor or the defendant is absent from the jurisdiction.",
    ),
    (
        "offside-rule.txt",
        "In association football a player is in an offside position if any part of the head, "
        "body or feet is in the opponents' half and closer to the opponents' goal line than "
        "both the ball and the second-last opponent, usually the last outfield defender since "
        "the goalkeeper tends to be the last. Arms and hands are ignored when judging this. "
        "Merely standing in that position is not an offence. A player is penalized only if, at "
        "the moment a teammate plays or touches the ball, they become involved in active play "
        "by interfering with play, interfering with an opponent or gaining an advantage, for "
        "example from a rebound. There is no offside from a goal kick, a throw-in or a corner "
        "kick, and a player level with the second-last opponent is onside. The punishment is an "
        "indirect free kick to the defending team. Since the introduction of video assistant "
        "referees, close decisions are checked using calibrated lines drawn on broadcast "
        "footage, and semi-automated tracking systems now assist.",
    ),
    (
        "cricket-lbw.txt",
        "Leg before wicket, usually shortened to lbw, is one of the ways a batter can be "
        "dismissed in cricket. It exists to stop batters from simply blocking the ball with "
        "their pads to protect the stumps. The umpire gives the batter out if a legal delivery, "
        "which did not pitch outside the line of leg stump, strikes the batter's body without "
        "first touching the bat, and would, in the umpire's judgement, have gone on to hit the "
        "wicket. If the batter was attempting a genuine shot, the impact must also be in line "
        "with the stumps; if no shot was offered, a ball striking outside the line of off stump "
        "can still result in a dismissal. The fielding side must appeal, usually with a loud "
        "shout of 'how's that', before the umpire can give the decision. In international "
        "matches, the Decision Review System uses ball-tracking technology to predict the "
        "ball's path, and teams may challenge a limited number of on-field calls each innings.",
    ),
    (
        "marathon-taper.txt",
        "Tapering is the planned reduction of training in the final weeks before a marathon. "
        "After months of building mileage, the body carries fatigue that masks its fitness, and "
        "a taper lets muscles repair, glycogen stores refill and hormones settle so the runner "
        "arrives at the start line fresh. Most plans cut weekly volume over two to three weeks, "
        "commonly to about 75 percent of peak, then 50 percent, then around 30 to 40 percent in "
        "race week. Importantly, intensity is kept: short sessions at goal pace or slightly "
        "faster remind the legs of the target effort, since dropping all hard running can leave "
        "athletes feeling flat. Many runners worry about losing fitness during this period, but "
        "research suggests aerobic capacity barely declines in three weeks, while performance "
        "usually improves by a few percent. Restlessness, minor aches and a feeling of "
        "sluggishness, sometimes called taper madness, are common. In the final days athletes "
        "also increase carbohydrate intake to top up the fuel stored in muscle.",
    ),
    (
        "sonata-form.txt",
        "Sonata form is the structure most often used for the first movements of symphonies, "
        "string quartets and sonatas in the Classical era of Haydn, Mozart and Beethoven. It "
        "has three main sections. In the exposition, a first theme is presented in the home "
        "key, followed by a transition and a contrasting second theme in a related key, usually "
        "the dominant, or the relative major if the piece is in minor. The exposition is "
        "traditionally repeated. The development then takes fragments of these themes and works "
        "them through unstable harmonies, passing through distant keys and building tension. "
        "The recapitulation brings back the themes from the exposition, but this time the "
        "second theme stays in the home key, resolving the conflict set up at the beginning. A "
        "slow introduction may precede the exposition, and a coda often closes the movement. "
        "Nineteenth-century theorists such as Adolf Bernhard Marx described the form after "
        "composers had already been using it for decades.",
    ),
    (
        "equal-temperament.txt",
        "Equal temperament is a tuning system that divides the octave into twelve identical "
        "semitones, each a frequency ratio of the twelfth root of two. Its great advantage is "
        "that every key sounds the same, so music can modulate freely and instruments like the "
        "piano can play in any key without retuning. The cost is that almost no interval is "
        "acoustically pure. Pure intervals are based on simple whole-number ratios, such as 3 "
        "to 2 for a perfect fifth, but stacking twelve pure fifths overshoots seven octaves by "
        "a small amount known as the Pythagorean comma. Equal temperament spreads this "
        "discrepancy evenly, leaving fifths very slightly narrow and major thirds noticeably "
        "wide, which produces a faint beating that trained ears can hear. Earlier systems such "
        "as meantone tuning made thirds sweeter in common keys but rendered remote keys "
        "unusable. Equal temperament became standard for keyboards during the nineteenth "
        "century. Musicians measure small tuning differences in cents, with one hundred cents "
        "in each semitone.",
    ),
    (
        "gamelan.txt",
        "Gamelan is the traditional ensemble music of Java and Bali in Indonesia, played mainly "
        "on bronze percussion instruments. A full ensemble includes hanging gongs of various "
        "sizes, rows of small kettle gongs, metallophones with bronze keys struck by mallets, "
        "drums, and often bamboo flutes, a bowed string instrument called the rebab, and "
        "singers. The instruments of a single gamelan are tuned to each other rather than to a "
        "universal standard, so no two sets sound exactly alike, and they are considered a unit "
        "that should not be mixed. Two scale systems are used: slendro, with five roughly equal "
        "steps per octave, and pelog, with seven unequal ones. Music is organized in cycles "
        "marked by the largest gong, with faster instruments elaborating the core melody at "
        "different densities. Balinese gamelan is known for dazzling speed and interlocking "
        "patterns split between paired players, and for tuning pairs of instruments slightly "
        "apart so they produce a shimmering beat. The music accompanies dance, shadow puppetry "
        "and ceremonies.",
    ),
    (
        "norwegian-fjords.txt",
        "The fjords of western Norway are long, narrow inlets of the sea enclosed by steep "
        "cliffs, formed when glaciers during successive ice ages carved deep U-shaped valleys "
        "that were later flooded as the ice melted and sea level rose. Glaciers eroded most "
        "strongly inland, where the ice was thickest, so many fjords are far deeper in their "
        "interior than at their mouths, where a shallow rock threshold, or sill, marks the old "
        "glacier front. Sognefjord stretches more than two hundred kilometres inland and "
        "reaches a depth of about 1,300 metres, making it the longest and deepest in Norway. "
        "Geirangerfjord and Naeroyfjord are listed as UNESCO World Heritage Sites for their "
        "waterfalls and sheer walls. The sheltered waters support farming on narrow terraces, "
        "salmon aquaculture and a large cruise tourism industry. Because the steep slopes are "
        "prone to rockfalls, some of which can trigger local tsunamis, authorities continuously "
        "monitor unstable mountainsides such as Akerneset above Sunnylvsfjord.",
    ),
    (
        "atacama-desert.txt",
        "The Atacama Desert along the Pacific coast of northern Chile is the driest non-polar "
        "desert on Earth. Some weather stations there have recorded no measurable rainfall for "
        "years at a time, and average annual precipitation in parts of the interior is just a "
        "millimetre or two. Several factors combine to create this aridity. The cold Humboldt "
        "Current chills the air above the ocean, producing a stable inversion that prevents "
        "rain clouds from forming, while the Andes to the east block moisture coming from the "
        "Amazon basin, and a persistent high-pressure system sits overhead. Along the coast, "
        "fog called camanchaca rolls in and supports small patches of plant life, and some "
        "villages capture it with mesh nets to collect drinking water. The desert's soils "
        "resemble those of Mars so closely that NASA tests rovers there. Its dry, clear and "
        "high-altitude skies make it one of the best places for astronomy, hosting major "
        "observatories such as ALMA and the Very Large Telescope. It also holds large deposits "
        "of copper and lithium.",
    ),
    (
        "mekong-delta.txt",
        "The Mekong Delta in southern Vietnam is where the Mekong River, after flowing some "
        "4,300 kilometres from the Tibetan Plateau through China, Myanmar, Laos, Thailand and "
        "Cambodia, divides into a maze of distributaries before reaching the South China Sea. "
        "The region is among the most productive farmland in Asia, producing more than half of "
        "Vietnam's rice and much of its fruit and farmed fish, including shrimp and pangasius "
        "catfish. Life is organized around water: people travel by boat, and floating markets "
        "such as Cai Rang near Can Tho have long been centres of trade. The annual flood pulse, "
        "swollen by monsoon rains, deposits fertile silt and feeds the Tonle Sap lake in "
        "Cambodia, which reverses its flow each year. The delta now faces serious threats. "
        "Upstream dams trap sediment, excessive groundwater pumping causes the land to sink, "
        "and rising seas push salt water further inland during the dry season, damaging crops. "
        "Much of the delta lies less than two metres above sea level.",
    ),
    (
        "git-rebase-vs-merge.txt",
        "Git offers two main ways to bring changes from one branch into another: merging and "
        "rebasing. A merge creates a new commit with two parents that ties the histories "
        "together, preserving exactly what happened, including when the branches diverged. It "
        "is safe for shared branches because existing commits are never changed, but frequent "
        "merges can leave a tangled graph. A rebase instead takes the commits from your branch "
        "and replays them one by one on top of the target branch, producing new commits with "
        "different hashes and a straight, linear history that is easier to read. The golden "
        "rule is never to rebase commits that others have already pulled, because rewriting "
        "published history forces collaborators to reconcile diverging copies. Interactive "
        "rebase, started with the -i option, lets you reorder, edit, squash or drop commits "
        "before sharing them, which is useful for tidying a feature branch. Conflicts during a "
        "rebase are resolved commit by commit, then the process continues with git rebase "
        "--continue.",
    ),
    (
        "btree-indexes.txt",
        "Most relational databases use B-tree indexes to find rows without scanning an entire "
        "table. A B-tree is a balanced tree whose nodes each hold many sorted keys and "
        "pointers, sized to fit a disk page, so the tree stays very shallow; even a table with "
        "millions of rows is usually reachable in three or four page reads. Because keys are "
        "stored in order, the same index supports equality lookups, range queries such as "
        "prices between two values, and sorting without an extra step. A composite index on "
        "several columns is ordered by the first column, then the second, which means it can "
        "serve queries that filter on the leading column but generally not those that filter "
        "only on a later one. Indexes are not free. Every insert, update and delete must also "
        "modify each index on the table, and the index consumes storage. A query planner "
        "decides whether to use an index based on statistics; if a condition matches a large "
        "fraction of rows, a sequential scan can be cheaper.",
    ),
    (
        "tcp-handshake.txt",
        "Before two computers exchange data over TCP, they set up a connection using a "
        "three-way handshake. The client sends a segment with the SYN flag set and an initial "
        "sequence number chosen at random. The server replies with a segment that has both SYN "
        "and ACK set, acknowledging the client's number and announcing its own. The client then "
        "sends an ACK, and the connection is established. Sequence numbers let each side track "
        "which bytes have arrived, reorder segments that come out of order and retransmit those "
        "that are lost. Randomizing the initial values makes it harder for an attacker to "
        "inject forged packets into a session. A SYN flood attack exploits the handshake by "
        "sending huge numbers of SYN packets without completing them, exhausting the server's "
        "memory for half-open connections; SYN cookies defend against this by encoding "
        "connection state in the server's sequence number. Closing a connection normally takes "
        "four segments, since each direction is shut down separately with a FIN and its "
        "acknowledgement.",
    ),
    (
        "dns-resolution.txt",
        "The Domain Name System translates human-readable names like example.org into the "
        "numeric IP addresses computers use. When you type a name, your device asks a recursive "
        "resolver, usually run by your internet provider or a public service. If the answer is "
        "not already cached, the resolver starts at the top of the hierarchy, asking one of the "
        "root servers, which replies with the servers responsible for the top-level domain, "
        "such as org. Those servers in turn point to the authoritative name servers for the "
        "specific domain, which return the final record. Common record types include A for IPv4 "
        "addresses, AAAA for IPv6, MX for mail servers and CNAME for aliases. Each answer "
        "carries a time-to-live value telling resolvers how many seconds they may cache it, "
        "which is why changes can take a while to propagate. DNSSEC adds cryptographic "
        "signatures so resolvers can verify that responses have not been forged, while DNS over "
        "HTTPS encrypts queries to keep them private from network observers.",
    ),
    (
        "compound-interest.txt",
        "Compound interest is interest earned not only on the original sum but also on interest "
        "already added. If you deposit 1,000 at 5 percent a year, you earn 50 in the first "
        "year; in the second year you earn 5 percent of 1,050, and so on, so the balance grows "
        "faster each year. The general formula multiplies the principal by one plus the "
        "periodic rate, raised to the number of periods. The more often interest is compounded, "
        "whether monthly or daily, the slightly higher the effective annual yield, which is why "
        "banks quote an annual percentage yield alongside the nominal rate. A handy shortcut, "
        "the rule of 72, estimates how long money takes to double: divide 72 by the annual "
        "percentage rate, so at 6 percent doubling takes about twelve years. Compounding works "
        "against borrowers too. Credit card balances that are not paid off accumulate interest "
        "on interest, which can make debts grow quickly. Starting to save early therefore "
        "matters more than the size of later contributions.",
    ),
    (
        "index-funds.txt",
        "An index fund is an investment fund that aims to match the performance of a market "
        "index, such as the S&P 500 or a total world stock index, rather than trying to beat "
        "it. Instead of paying analysts to pick winners, the fund simply holds all or a "
        "representative sample of the securities in the index, in the same proportions. This "
        "passive approach keeps costs low; annual fees are often a small fraction of one "
        "percent, compared with a percent or more for many actively managed funds. Over long "
        "periods, studies consistently find that most active managers fail to outperform their "
        "benchmark after fees, partly because costs compound and partly because markets are "
        "competitive. John Bogle founded Vanguard and launched the first index mutual fund for "
        "ordinary investors in 1976; critics initially mocked it as a guarantee of mediocrity. "
        "Index funds are available as traditional mutual funds or as exchange-traded funds that "
        "trade throughout the day. They offer broad diversification but still fall when the "
        "whole market falls.",
    ),
    (
        "bond-prices-and-yields.txt",
        "Bond prices and interest rates move in opposite directions. A bond pays a fixed "
        "coupon, say 3 percent of its face value each year, until it matures and the face value "
        "is repaid. If market interest rates rise to 5 percent after it is issued, new bonds "
        "pay more, so nobody will pay full price for the old one; its price falls until its "
        "effective return, the yield to maturity, matches the going rate. When rates fall, the "
        "reverse happens and existing bonds become more valuable. How strongly a bond reacts is "
        "measured by its duration, roughly the weighted average time until its cash flows are "
        "received. Long-term bonds and those with low coupons have higher duration and swing "
        "more in price for a given change in rates, while short-term bonds are less sensitive. "
        "The yield curve plots yields for different maturities; it normally slopes upward, and "
        "an inverted curve, where short-term yields exceed long-term ones, has often preceded "
        "recessions.",
    ),
    (
        "dovetail-joints.txt",
        "The dovetail is a woodworking joint made of interlocking, flared tails on one board "
        "and matching pins on the other. Its trapezoidal shape resists being pulled apart in "
        "one direction even without glue, which is why it has long been used for the corners of "
        "drawers, where every opening tugs at the front. A through dovetail shows the end grain "
        "of both pieces on the outside, while a half-blind dovetail hides the joint from the "
        "front, letting a drawer face look clean. Cutting by hand begins with marking the "
        "baseline with a cutting gauge set to the thickness of the mating board. The woodworker "
        "saws the tails first, usually at a slope of about 1 in 6 for softwood and 1 in 8 for "
        "hardwood, chops out the waste with a chisel, then uses the finished tails to trace the "
        "pins precisely onto the other board. Tight, gap-free joints are a traditional test of "
        "skill, though routers with jigs now produce them quickly.",
    ),
    (
        "raku-firing.txt",
        "Raku is a pottery firing technique in which glazed pieces are removed from the kiln "
        "while still glowing hot, at around 900 to 1,000 degrees Celsius, and allowed to cool "
        "rapidly. It originated in sixteenth-century Japan, where it was used to make tea bowls "
        "for the tea ceremony, and Western potters later developed a distinct version in the "
        "mid-twentieth century. In the Western style, the potter lifts the red-hot ware out "
        "with long tongs and places it into a metal container filled with combustible material "
        "such as sawdust, newspaper or leaves, which bursts into flame. Closing the lid starves "
        "the fire of oxygen, so it pulls oxygen from the clay and glazes, creating metallic "
        "lustres, smoky black areas on unglazed clay and fine crackle patterns where the glaze "
        "has crazed from thermal shock. The clay body must contain grog or other materials to "
        "survive the sudden temperature change. Raku ware is porous and decorative rather than "
        "functional and should not hold food or water.",
    ),
    (
        "coptic-bookbinding.txt",
        "Coptic binding is a method of sewing a book that dates back to early Christian Egypt, "
        "where it was used for some of the first codices. Pages are folded into groups called "
        "signatures, and each signature is sewn to the next with a chain stitch running across "
        "the spine, so no glue or spine cover is required. The boards forming the covers are "
        "attached directly by the same thread. Because the spine is left exposed, the sewing "
        "becomes a decorative feature and the finished book opens completely flat, which makes "
        "the style popular for sketchbooks and journals. To prepare, the binder punches sewing "
        "stations, evenly spaced holes, along the fold of each signature using a template so "
        "they line up. Waxed linen thread is preferred because it is strong and grips without "
        "slipping. Curved needles make it easier to loop back between signatures to form the "
        "kettle stitches that lock the chain at the head and tail. Covers can be wood, heavy "
        "board wrapped in cloth, or leather.",
    ),
    (
        "forge-welding.txt",
        "Forge welding is the oldest method of joining metals, used by blacksmiths for "
        "thousands of years long before electric arcs or gas torches. Two pieces of iron or "
        "steel are heated in the fire until they reach welding heat, a bright yellow-white "
        "close to melting, at which point the surfaces become plastic enough to fuse when "
        "hammered together. The biggest obstacle is oxide scale, which forms quickly on hot "
        "iron and prevents a sound bond. Smiths sprinkle flux, commonly borax, on the metal to "
        "dissolve scale and shield the surfaces from air, and they shape the ends beforehand "
        "into scarfs, tapered overlapping faces that push slag out from the centre as the joint "
        "is struck. The blows must be quick and firm while the heat lasts, often followed by a "
        "second heat to consolidate the weld. A good coal or coke fire with a reducing "
        "atmosphere helps. The same principle is used to make pattern-welded, or Damascus, "
        "steel by folding and welding layers of different alloys together.",
    ),
    (
        "heat-pumps.txt",
        "A heat pump warms a building by moving heat from outside rather than generating it by "
        "burning fuel. It uses the same refrigeration cycle as a fridge, in reverse. A "
        "refrigerant with a very low boiling point passes through an outdoor coil, where it "
        "absorbs heat from the air, ground or water and evaporates even on cold days. A "
        "compressor then squeezes the vapour, raising its temperature, and it releases that "
        "heat to the indoor air or a water circuit as it condenses back into liquid in another "
        "coil. An expansion valve lowers the pressure and the cycle repeats. Because the "
        "electricity drives only the moving of heat, a heat pump typically delivers three to "
        "four units of heat for each unit of electricity, a ratio called the coefficient of "
        "performance. Efficiency falls as the outdoor temperature drops, since the temperature "
        "gap to be bridged grows, though modern units keep working well below freezing. "
        "Ground-source systems, with pipes buried underground, benefit from steady soil "
        "temperatures all year.",
    ),
    (
        "lithium-ion-batteries.txt",
        "A lithium-ion battery stores energy by shuttling lithium ions between two electrodes "
        "through a liquid electrolyte. During charging, ions leave the positive electrode, "
        "usually a metal oxide such as lithium cobalt oxide or lithium iron phosphate, and slip "
        "between the layers of a graphite negative electrode; during discharge they travel back "
        "while electrons flow through the external circuit to power a device. A thin porous "
        "separator keeps the electrodes from touching. On the first charge, a protective film "
        "called the solid electrolyte interphase forms on the graphite, consuming some lithium "
        "but preventing further breakdown of the electrolyte. Capacity fades over hundreds of "
        "cycles as this layer thickens and electrode materials crack. Batteries age faster when "
        "kept at full charge or at high temperatures, which is why many devices limit charging "
        "to about 80 percent. If a cell is damaged, overcharged or short-circuited, it can "
        "enter thermal runaway, a self-heating chain reaction that can cause fire, so packs "
        "include management circuits that monitor voltage and temperature.",
    ),
    (
        "turbofan-engines.txt",
        "A turbofan is the type of jet engine used on nearly all modern airliners. At the "
        "front, a large fan draws in air. Only a small portion of that air enters the engine "
        "core, where a compressor squeezes it, fuel is injected and burned in the combustor, "
        "and the hot expanding gases spin turbines that drive both the compressor and the fan "
        "before leaving through the exhaust. The rest of the air, often most of it, bypasses "
        "the core entirely and is pushed backward by the fan, producing most of the thrust. The "
        "ratio of bypass air to core air is called the bypass ratio; modern engines have ratios "
        "of ten or more. Moving a large mass of air slowly is more efficient and much quieter "
        "than moving a small mass very fast, which is why high-bypass engines burn less fuel "
        "than the older turbojets of the 1950s. Military fighters use low-bypass designs "
        "because they need high speed and compact size, and some add afterburners.",
    ),
    (
        "concrete-curing.txt",
        "Concrete hardens not by drying but through hydration, a chemical reaction between "
        "cement and water that forms crystals binding the sand and gravel together. Curing is "
        "the practice of keeping fresh concrete moist and at a suitable temperature so that "
        "this reaction can continue, especially during the first week. If the surface dries out "
        "too early, hydration stops in the outer layer, leaving it weak, dusty and prone to "
        "cracking from shrinkage. Builders keep slabs wet by spraying water, covering them with "
        "wet burlap or plastic sheeting, or applying a curing compound that seals in moisture. "
        "Temperature also matters: below about five degrees Celsius the reaction slows "
        "dramatically, and freezing water can damage the young concrete, so insulating blankets "
        "or heated enclosures are used in winter. In hot weather, rapid evaporation is the "
        "danger. Concrete typically reaches around 70 percent of its design strength after "
        "seven days, and engineers conventionally test cylinders at 28 days, although strength "
        "keeps growing slowly for months or years.",
    ),
    (
        "honeybee-waggle-dance.txt",
        "Honeybee foragers tell their nestmates where to find food through a movement known as "
        "the waggle dance, first decoded by the Austrian biologist Karl von Frisch, who shared "
        "a Nobel Prize in 1973 for this work. On the vertical comb inside the dark hive, a "
        "returning bee runs a straight line while rapidly shaking her abdomen, then circles "
        "back to repeat the run, alternating left and right loops to trace a figure eight. The "
        "angle of the straight run relative to vertical represents the direction of the food "
        "source relative to the sun's position. A run pointing straight up means fly toward the "
        "sun; a run tilted forty degrees to the right means fly forty degrees to the right of "
        "it. The duration of the waggle indicates distance, with longer runs meaning farther "
        "flowers. For very close sources, bees perform a simpler round dance. Followers also "
        "learn the scent of the flowers from the dancer's body. Bees compensate for the sun's "
        "movement across the sky over the course of the day.",
    ),
    (
        "monarch-butterfly-migration.txt",
        "Each autumn millions of monarch butterflies in eastern North America fly up to four "
        "thousand kilometres south to spend the winter in a few small mountain forests of "
        "oyamel fir in central Mexico. The insects that make this journey are not the ones that "
        "left Mexico in spring. The migration spans several generations: the butterflies that "
        "return north in spring breed and die along the way, and their descendants continue, so "
        "the individuals heading south in autumn are the great-grandchildren of the previous "
        "year's travellers. This final generation lives up to eight months instead of a few "
        "weeks, entering a state of reproductive pause. Monarchs navigate using a sun compass "
        "in their brains, corrected for the time of day by circadian clocks in their antennae. "
        "Their caterpillars feed only on milkweed, whose toxins they store and which make both "
        "larvae and adults distasteful to birds, advertised by their bright orange colours. "
        "Loss of milkweed habitat, logging and severe weather have caused large population "
        "declines.",
    ),
    (
        "coral-bleaching.txt",
        "Reef-building corals depend on a partnership with microscopic algae called "
        "zooxanthellae that live inside their tissues. The algae photosynthesize and pass most "
        "of the sugars they make to the coral, supplying the bulk of its energy, and they also "
        "give corals much of their colour. When water becomes unusually warm, even one or two "
        "degrees above the normal summer maximum for several weeks, this relationship breaks "
        "down. The stressed algae produce harmful reactive oxygen compounds, and the coral "
        "expels them, leaving its tissue transparent so the white limestone skeleton shows "
        "through. This is bleaching. A bleached coral is not dead, and if temperatures return "
        "to normal quickly the algae can recolonize it, but prolonged bleaching leads to "
        "starvation, disease and death. Mass bleaching events driven by marine heatwaves have "
        "become much more frequent as oceans warm, with the Great Barrier Reef affected "
        "repeatedly since 1998. Pollution, low tides and very bright light can also trigger "
        "bleaching on a local scale.",
    ),
    (
        "green-tea-processing.txt",
        "Green tea and black tea come from the same plant, Camellia sinensis; the difference "
        "lies in processing. For green tea, the key step is stopping oxidation almost "
        "immediately after the leaves are picked. Enzymes in fresh leaves would otherwise react "
        "with air and turn them brown, so the leaves are heated soon after harvest to "
        "deactivate those enzymes, a step called fixing or kill-green. In China this is usually "
        "done by tossing the leaves in hot pans or woks, which gives nutty, toasty flavours, as "
        "in Longjing, also known as Dragon Well. In Japan the leaves are usually steamed "
        "instead, producing the grassy, marine taste and deep green colour of sencha. After "
        "fixing, the leaves are rolled to shape them and release juices, then dried. Some "
        "Japanese teas, including gyokuro and the leaves ground for matcha, are shaded for "
        "several weeks before harvest, which boosts the amino acid theanine and gives a sweet, "
        "savoury umami character. Green tea is best brewed below boiling, around 70 to 80 "
        "degrees.",
    ),
    (
        "black-tea-oxidation.txt",
        "Black tea is made by deliberately allowing tea leaves to oxidize fully, which darkens "
        "them and creates its malty, robust flavour. After picking, the leaves are first "
        "withered, spread out in troughs with air blowing through for many hours until they "
        "lose much of their moisture and become limp enough to handle without breaking apart. "
        "They are then rolled or crushed to rupture the cells, mixing enzymes called polyphenol "
        "oxidases with the leaf's catechins. Exposed to air in a warm, humid room, these "
        "compounds react to form theaflavins, which add brightness and briskness, and "
        "thearubigins, which give body and the reddish-brown colour of the brewed cup. When the "
        "tea master judges the aroma and colour right, the leaves are fired in hot dryers to "
        "halt the reaction. Much of the black tea used in tea bags is produced by the CTC "
        "method, crush, tear, curl, which yields small uniform granules that infuse quickly. "
        "Assam, Darjeeling and Ceylon are well-known origins, and black tea is brewed with "
        "boiling water.",
    ),
    (
        "espresso-extraction.txt",
        "Espresso is brewed by forcing hot water, around 90 to 96 degrees Celsius, through a "
        "tightly packed puck of finely ground coffee at a pressure of about nine bars. A "
        "typical double shot uses 18 to 20 grams of coffee and yields roughly twice that weight "
        "of liquid in 25 to 30 seconds, although modern baristas adjust this ratio freely. The "
        "grind size is the main control. If water flows too quickly through coarse grounds, the "
        "shot is under-extracted, tasting sour, thin and salty, because acids dissolve first. "
        "If the grind is too fine and the flow too slow, over-extraction pulls out bitter, "
        "harsh compounds. Even tamping matters, since cracks or uneven density create channels "
        "where water rushes through, extracting some coffee too much and the rest too little. "
        "The golden foam on top, the crema, is formed from carbon dioxide and emulsified oils; "
        "very fresh beans produce more of it, but thick crema is not a reliable sign of good "
        "flavour. Baristas taste and adjust the grinder daily.",
    ),
    (
        "chess-opening-principles.txt",
        "Beginners in chess are taught a few opening principles that apply regardless of which "
        "named opening they play. First, fight for the centre, usually by advancing a central "
        "pawn two squares, because pieces placed in the middle control more squares and can "
        "move quickly to either side. Second, develop the minor pieces, the knights and "
        "bishops, early, bringing each out once rather than moving the same piece repeatedly; "
        "an old saying advises knights before bishops. Third, castle early to tuck the king "
        "into safety behind a wall of pawns and connect the rooks. Players are also warned "
        "against bringing the queen out too soon, since the opponent can gain time by attacking "
        "it with developing moves, and against grabbing pawns at the cost of falling behind in "
        "development. Moving many pawns on the flank weakens squares near the king. These "
        "guidelines are not absolute, and strong players break them when concrete calculation "
        "justifies it, but they prevent many early disasters.",
    ),
    (
        "bouldering-grades.txt",
        "Bouldering is a form of rock climbing done on short routes, called problems, close to "
        "the ground without ropes or harnesses. Climbers protect falls with thick foam crash "
        "pads placed underneath and with spotters who guide the falling climber's body onto the "
        "pad. Because the routes are short, they tend to be intense, demanding powerful, "
        "precise moves rather than endurance. Difficulty is rated on grading scales. The V "
        "scale, developed in the United States and named after John Sherman's nickname "
        "'Vermin', starts at V0 for easy problems and currently tops out around V17. The "
        "Fontainebleau scale, from the famous sandstone forest south of Paris, uses numbers and "
        "letters, such as 6A or 8C+, and is widely used in Europe. Grades are subjective and "
        "often debated, because a problem's difficulty depends on a climber's height, reach and "
        "style. Indoor gyms set problems with coloured holds and reset them frequently. "
        "Bouldering appeared in the Olympic Games for the first time at Tokyo in 2021, combined "
        "with lead and speed climbing.",
    ),
    (
        "points-of-sail.txt",
        "A sailing boat cannot travel directly into the wind; the points of sail describe the "
        "range of directions it can take relative to the wind. Heading straight upwind, roughly "
        "within 45 degrees either side, is the no-go zone, where sails simply flap. Just "
        "outside it the boat is close-hauled, with sails pulled in tight and working like "
        "aircraft wings, the air flowing faster over the curved leeward side to create lift "
        "that pulls the boat forward and sideways, while the keel resists sideways slipping. "
        "Turning away from the wind, the boat passes through close reach, beam reach with the "
        "wind at right angles, and broad reach, easing the sails out progressively. With the "
        "wind directly behind, on a run, the sails act mainly as a barrier pushed by the air. "
        "To make progress toward a destination upwind, sailors zigzag in a series of tacks, "
        "turning the bow through the wind. Turning the stern through the wind when running is "
        "called a gybe, which can swing the boom violently.",
    ),
    (
        "circadian-rhythm.txt",
        "The circadian rhythm is the roughly twenty-four-hour internal cycle that regulates "
        "sleep, alertness, body temperature, hormone release and many other processes. In "
        "mammals the master clock is the suprachiasmatic nucleus, a small cluster of about "
        "twenty thousand neurons in the hypothalamus, just above the point where the optic "
        "nerves cross. It receives signals directly from special light-sensitive cells in the "
        "retina that contain the pigment melanopsin and respond especially to blue light. In "
        "the evening, as light fades, the clock signals the pineal gland to release melatonin, "
        "which promotes sleep. Almost every cell also contains its own molecular clock, a "
        "feedback loop of genes whose proteins build up, suppress their own production and then "
        "degrade over about a day. Jeffrey Hall, Michael Rosbash and Michael Young won the 2017 "
        "Nobel Prize for revealing this mechanism in fruit flies. Jet lag and shift work "
        "disrupt the alignment between internal clocks and the environment, which has been "
        "linked to metabolic problems and poorer health.",
    ),
    (
        "cataract-surgery.txt",
        "A cataract is a clouding of the eye's natural lens, which normally sits behind the "
        "iris and focuses light onto the retina. Proteins in the lens gradually clump together "
        "with age, so vision becomes blurry, colours fade and lights produce glare or halos, "
        "particularly when driving at night. Diabetes, smoking, long exposure to sunlight and "
        "steroid medicines raise the risk. Glasses can help for a while, but the only effective "
        "treatment is surgery, one of the most commonly performed operations in the world. In "
        "the usual technique, called phacoemulsification, the surgeon makes a tiny incision at "
        "the edge of the cornea, opens the front of the capsule that holds the lens, and uses "
        "an ultrasonic probe to break the cloudy lens into fragments that are suctioned out. A "
        "folded artificial intraocular lens is then inserted into the empty capsule, where it "
        "unfolds. The procedure usually takes under half an hour with local anaesthetic eye "
        "drops, and most people notice clearer vision within days.",
    ),
]

QUESTIONS: list[tuple[str, str]] = [
    (
        "What should I do when my homemade bread culture has a grey watery layer on top?",
        "sourdough-starter.txt",
    ),
    (
        "Why does keeping a natural leaven warm and runny give a less tangy loaf?",
        "sourdough-starter.txt",
    ),
    (
        "When making a rich egg-and-butter bread, why is the fat added only after kneading?",
        "brioche-dough.txt",
    ),
    (
        "Why is the buttery French dough refrigerated overnight before it is shaped?",
        "brioche-dough.txt",
    ),
    (
        "What did the 1940 Tacoma Narrows failure teach designers about wind?",
        "suspension-bridge.txt",
    ),
    (
        "Which kind of crossing reaches the longest spans, with its roadway hung from towers?",
        "suspension-bridge.txt",
    ),
    (
        "Why did the Quebec Bridge fall down while it was being built?",
        "cantilever-bridge.txt",
    ),
    (
        "How can a span be built out over a busy channel without scaffolding in the water?",
        "cantilever-bridge.txt",
    ),
    (
        "What temporary wooden frame holds masonry in a curved shape until it is finished?",
        "arch-bridge.txt",
    ),
    ("Why are curved stone spans a good fit for rocky canyons?", "arch-bridge.txt"),
    (
        "How does Rust free memory without a collector running in the background?",
        "rust-ownership.txt",
    ),
    (
        "Which language's compiler permits many read-only references or one writable one?",
        "rust-ownership.txt",
    ),
    (
        "Why does the JVM keep separate heap areas for new and long-lived objects?",
        "java-garbage-collection.txt",
    ),
    (
        "Which Java collectors keep application stalls to a few milliseconds on huge heaps?",
        "java-garbage-collection.txt",
    ),
    (
        "Why does CPython need an extra tool to clean up objects that point at each other?",
        "python-reference-counting.txt",
    ),
    (
        "Why does Python's function for reporting an object's references show one extra?",
        "python-reference-counting.txt",
    ),
    (
        "Where does the oxygen given off by green plants actually come from?",
        "photosynthesis.txt",
    ),
    (
        "Why do maize and sugarcane capture carbon differently in hot, sunny places?",
        "photosynthesis.txt",
    ),
    ("How fast do the pieces of the Earth's outer shell drift?", "plate-tectonics.txt"),
    (
        "What seafloor evidence finally convinced geologists that continents move?",
        "plate-tectonics.txt",
    ),
    (
        "Why do Hawaiian volcanoes have gentle slopes and relatively calm eruptions?",
        "shield-volcanoes.txt",
    ),
    (
        "Why did the world cool slightly after the 1991 eruption in the Philippines?",
        "stratovolcanoes.txt",
    ),
    (
        "Why do steep cone-shaped mountains tend to blow up so violently?",
        "stratovolcanoes.txt",
    ),
    (
        "Why is the sea's rise and fall strongest around new and full moon?",
        "ocean-tides.txt",
    ),
    (
        "Which Canadian bay sees water levels change by more than fifteen metres?",
        "ocean-tides.txt",
    ),
    (
        "Who found the first pulsar, and what joking nickname did its signal get?",
        "neutron-stars.txt",
    ),
    (
        "How big is the ultra-dense remnant left after a massive star explodes?",
        "neutron-stars.txt",
    ),
    (
        "What metal mixture did the Mainz printer use to cast his letters?",
        "gutenberg-printing-press.txt",
    ),
    (
        "Roughly how many copies of the famous 1450s Bible were made?",
        "gutenberg-printing-press.txt",
    ),
    (
        "Which medieval alliance of trading towns had its centre in Lubeck?",
        "hanseatic-league.txt",
    ),
    (
        "What goods did merchants swap across the Baltic in the Middle Ages?",
        "hanseatic-league.txt",
    ),
    (
        "How did ancient Roman water channels keep flowing without pumps?",
        "roman-aqueducts.txt",
    ),
    (
        "Did most of Rome's water conduits really run on top of arches?",
        "roman-aqueducts.txt",
    ),
    ("How did Buddhism travel from India into China?", "silk-road.txt"),
    (
        "Which oasis towns were stops on the old overland trade routes out of China?",
        "silk-road.txt",
    ),
    (
        "How did Japan change after the emperor regained power in 1868?",
        "meiji-restoration.txt",
    ),
    (
        "Which two domains led the overthrow of the last shogun?",
        "meiji-restoration.txt",
    ),
    ("Which kinds of rice give the creamy Italian dish its texture?", "risotto.txt"),
    (
        "What is done at the end, off the heat, when making the Italian rice dish?",
        "risotto.txt",
    ),
    (
        "Why is cabbage soaked in salt before making Korean fermented vegetables?",
        "kimchi-fermentation.txt",
    ),
    (
        "What is the Korean autumn custom of preparing winter pickles together called?",
        "kimchi-fermentation.txt",
    ),
    (
        "Why does my homemade chocolate set dull and streaky instead of shiny?",
        "tempering-chocolate.txt",
    ),
    (
        "What temperature should dark chocolate be rewarmed to after cooling on marble?",
        "tempering-chocolate.txt",
    ),
    (
        "How can I rescue a warm egg-yolk and butter sauce that has split?",
        "hollandaise-sauce.txt",
    ),
    (
        "What happens in the autoimmune form of diabetes that often starts in children?",
        "type-1-diabetes.txt",
    ),
    (
        "Who first isolated insulin for patients, and in which city?",
        "type-1-diabetes.txt",
    ),
    (
        "Which medicine is usually tried first when diet and exercise fail to control sugar?",
        "type-2-diabetes.txt",
    ),
    (
        "Which blood test shows average sugar levels across roughly three months?",
        "type-2-diabetes.txt",
    ),
    ("Can the new genetic vaccines change a person's DNA?", "mrna-vaccines.txt"),
    (
        "What chemical tweak stopped synthetic messenger molecules from causing inflammation?",
        "mrna-vaccines.txt",
    ),
    (
        "Where does belly pain typically move when the small pouch off the colon is inflamed?",
        "appendicitis.txt",
    ),
    (
        "What is the danger if the organ in the lower right belly bursts?",
        "appendicitis.txt",
    ),
    (
        "Can someone become the owner of land just by occupying it for many years?",
        "adverse-possession.txt",
    ),
    (
        "What does 'hostile' mean when claiming someone else's property through long use?",
        "adverse-possession.txt",
    ),
    (
        "What legal remedy forces the state to justify holding a prisoner before a judge?",
        "habeas-corpus.txt",
    ),
    (
        "Which 1679 English law stopped people from being jailed indefinitely without charge?",
        "habeas-corpus.txt",
    ),
    (
        "When does the deadline for suing start if the injury was hidden at first?",
        "statute-of-limitations.txt",
    ),
    (
        "Why do courts refuse to hear claims that are brought too long after the events?",
        "statute-of-limitations.txt",
    ),
    (
        "Can a football attacker be penalized just for standing behind the defenders?",
        "offside-rule.txt",
    ),
    (
        "Can an attacker be flagged for receiving the ball straight from a throw-in?",
        "offside-rule.txt",
    ),
    (
        "Why can a cricket batsman be given out when the ball hits his leg?",
        "cricket-lbw.txt",
    ),
    (
        "How much should I cut my running in the weeks before a 42-kilometre race?",
        "marathon-taper.txt",
    ),
    (
        "Should I drop all fast workouts before a long-distance road race?",
        "marathon-taper.txt",
    ),
    (
        "In classical first movements, which key does the second theme come back in at the end?",
        "sonata-form.txt",
    ),
    (
        "Why do major thirds on a piano sound slightly out of tune?",
        "equal-temperament.txt",
    ),
    (
        "Why doesn't stacking twelve perfect fifths give exactly seven octaves?",
        "equal-temperament.txt",
    ),
    (
        "What are the two scales used in Indonesian bronze orchestra music?",
        "gamelan.txt",
    ),
    (
        "Why can't instruments from two different Javanese ensembles be combined?",
        "gamelan.txt",
    ),
    (
        "Why are Norway's sea inlets deeper inland than where they meet the ocean?",
        "norwegian-fjords.txt",
    ),
    (
        "What is the longest and deepest of the Norwegian coastal inlets?",
        "norwegian-fjords.txt",
    ),
    ("Why does it almost never rain in northern Chile?", "atacama-desert.txt"),
    (
        "How do villagers in the world's driest desert collect water from mist?",
        "atacama-desert.txt",
    ),
    (
        "What threats face the farming region where Vietnam's great river meets the sea?",
        "mekong-delta.txt",
    ),
    (
        "Which Cambodian lake changes the direction of its flow every year?",
        "mekong-delta.txt",
    ),
    (
        "Why shouldn't I rewrite commits that my teammates have already pulled?",
        "git-rebase-vs-merge.txt",
    ),
    (
        "How can I combine several commits into one before sharing my branch?",
        "git-rebase-vs-merge.txt",
    ),
    (
        "Why might a database ignore an index and read the whole table instead?",
        "btree-indexes.txt",
    ),
    (
        "Can a multi-column index help a query that filters only on the second column?",
        "btree-indexes.txt",
    ),
    (
        "How does a server protect itself from a flood of half-open connection requests?",
        "tcp-handshake.txt",
    ),
    (
        "What three messages are exchanged to open a connection between client and server?",
        "tcp-handshake.txt",
    ),
    (
        "Why do changes to a website's name records take time to spread?",
        "dns-resolution.txt",
    ),
    (
        "How does a resolver find a domain's address when nothing is cached?",
        "dns-resolution.txt",
    ),
    (
        "How long does money take to double at 6 percent a year?",
        "compound-interest.txt",
    ),
    ("Why do unpaid credit card balances grow so fast?", "compound-interest.txt"),
    (
        "Who launched the first passive mutual fund for ordinary investors?",
        "index-funds.txt",
    ),
    (
        "Why do cheap funds that track the market often beat professional stock pickers?",
        "index-funds.txt",
    ),
    (
        "Why does the value of fixed-income holdings drop when interest rates go up?",
        "bond-prices-and-yields.txt",
    ),
    (
        "What does it mean when short-term yields are higher than long-term ones?",
        "bond-prices-and-yields.txt",
    ),
    (
        "Which woodworking corner joint holds even without glue, and where is it used?",
        "dovetail-joints.txt",
    ),
    (
        "What angle is recommended for the flared parts of a drawer joint in hard timber?",
        "dovetail-joints.txt",
    ),
    (
        "Why does pottery pulled glowing from the kiln into sawdust get metallic sheens?",
        "raku-firing.txt",
    ),
    (
        "Can I serve soup in pots made with the Japanese fast-cooling firing method?",
        "raku-firing.txt",
    ),
    (
        "What binding leaves the stitching visible on the spine and lets a journal lie flat?",
        "coptic-bookbinding.txt",
    ),
    (
        "Why do blacksmiths sprinkle borax on hot iron before hammering pieces together?",
        "forge-welding.txt",
    ),
    (
        "How can a home heating device put out more heat than the electricity it uses?",
        "heat-pumps.txt",
    ),
    (
        "Why does an air-source heating unit lose efficiency in very cold weather?",
        "heat-pumps.txt",
    ),
    (
        "Why do some phones stop charging at 80 percent to protect the battery?",
        "lithium-ion-batteries.txt",
    ),
    (
        "What causes rechargeable cells to overheat and catch fire?",
        "lithium-ion-batteries.txt",
    ),
    (
        "Why are modern airliner engines quieter and more fuel efficient than early jets?",
        "turbofan-engines.txt",
    ),
    (
        "How much of the incoming air actually passes through the burning core of the engine?",
        "turbofan-engines.txt",
    ),
    (
        "Why should a freshly poured slab be kept wet during its first week?",
        "concrete-curing.txt",
    ),
    (
        "At what age are concrete test samples conventionally checked for strength?",
        "concrete-curing.txt",
    ),
    (
        "How do bees tell hive mates which direction to fly for nectar?",
        "honeybee-waggle-dance.txt",
    ),
    ("Who worked out the meaning of the bee dance?", "honeybee-waggle-dance.txt"),
    (
        "Are the butterflies that reach Mexico the same ones that flew north in spring?",
        "monarch-butterfly-migration.txt",
    ),
    (
        "Why do birds avoid eating the orange butterflies that winter in Mexico?",
        "monarch-butterfly-migration.txt",
    ),
    ("What happens to reefs when the sea gets too warm?", "coral-bleaching.txt"),
    ("Is a coral that has turned white already dead?", "coral-bleaching.txt"),
    (
        "Why do Japanese and Chinese unoxidized teas taste so different?",
        "green-tea-processing.txt",
    ),
    (
        "Why are some Japanese tea bushes covered for weeks before picking?",
        "green-tea-processing.txt",
    ),
    (
        "What gives a strong dark brew its reddish-brown colour and body?",
        "black-tea-oxidation.txt",
    ),
    (
        "How are the small granules found in most tea bags produced?",
        "black-tea-oxidation.txt",
    ),
    ("Why does my coffee shot taste sour and thin?", "espresso-extraction.txt"),
    (
        "Is thick foam on top of a coffee shot a sign it will taste good?",
        "espresso-extraction.txt",
    ),
    (
        "Why shouldn't I bring my queen out early in a chess game?",
        "chess-opening-principles.txt",
    ),
    (
        "How do climbers stay safe on short routes without ropes?",
        "bouldering-grades.txt",
    ),
    (
        "Where does the name of the American difficulty scale for short climbs come from?",
        "bouldering-grades.txt",
    ),
    (
        "Why can't a sailboat head directly into the wind, and how does it get upwind?",
        "points-of-sail.txt",
    ),
    (
        "Which part of the brain acts as the body's master daily clock?",
        "circadian-rhythm.txt",
    ),
    (
        "Who won the 2017 Nobel Prize for explaining the molecular body clock?",
        "circadian-rhythm.txt",
    ),
    ("How is a clouded lens in the eye removed and replaced?", "cataract-surgery.txt"),
    (
        "What makes someone more likely to develop cloudy vision from ageing lenses?",
        "cataract-surgery.txt",
    ),
]
