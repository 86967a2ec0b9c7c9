"""The fictional ShopNest catalog that product questions are about.

Product facts are not store policy (they do not change when the policy does), so they live here rather
than in policy.toml. Every product answers the same five attribute questions, always with the same words,
so the small model can learn them; `ATTRIBUTE_QUESTIONS` holds the customer wordings.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    """One catalog item; the attribute texts complete "The <name> ..." sentences."""

    name: str
    price: str
    colors: str
    material: str
    size: str
    care: str


PRODUCTS = (
    Product("AeroBlend Pro Blender", "$89.99", "black, silver and red",
            "a BPA-free Tritan jar with stainless steel blades", "a 1.5-liter jar",
            "the jar and lid are dishwasher safe, and the base wipes clean with a damp cloth"),
    Product("Trailhead 30L Backpack", "$64.50", "forest green, black and slate grey",
            "water-resistant recycled nylon", "30 liters, with a sleeve for laptops up to 15 inches",
            "hand wash it with mild soap and let it air dry"),
    Product("CloudRest Memory Foam Pillow", "$39.00", "white only",
            "memory foam with a bamboo-viscose cover", "standard size, 20 x 26 inches",
            "the cover is machine washable, and the foam core should only be spot cleaned"),
    Product("LumaDesk LED Lamp", "$45.99", "white and matte black",
            "aluminum with a weighted silicone base", "18 inches tall with an adjustable arm",
            "wipe it with a dry, soft cloth"),
    Product("SnugPaws Dog Bed", "$54.00", "charcoal, beige and plum purple",
            "a plush polyester cover over orthopedic foam", "medium (30 x 22 inches) and large (40 x 30 inches)",
            "the cover unzips and is machine washable"),
    Product("PulseFit Smart Watch", "$129.00", "black, rose gold and navy",
            "an aluminum case with a silicone strap", "a 42 mm case that fits wrists from 5.5 to 8 inches",
            "rinse it with fresh water after swimming and dry it with a soft cloth"),
    Product("EchoBeat Bluetooth Speaker", "$59.99", "white, black and ocean blue",
            "a fabric-wrapped aluminum body", "6 inches tall and about 1 pound",
            "wipe it with a dry cloth and keep the charging port clean"),
    Product("HearthStone Cast Iron Skillet", "$34.99", "black only", "pre-seasoned cast iron",
            "10.25 inches across", "hand wash it, dry it right away and rub in a little oil; it is not dishwasher safe"),
    Product("BrewMate Pour-Over Coffee Set", "$42.00", "clear glass with a black or copper stand",
            "borosilicate glass and stainless steel", "up to 4 cups per brew",
            "the glass parts are dishwasher safe, but the stand should be hand washed"),
    Product("SummitLite Camping Tent", "$149.00", "orange and olive",
            "ripstop polyester with aluminum poles", "room for 2 people, at 4.2 pounds packed",
            "let it air dry before storing it and never machine wash it"),
    Product("AquaPure Water Bottle", "$24.99", "teal, white, black and coral", "double-wall stainless steel",
            "750 ml (25 oz)", "hand washing is best, and the lid is top-rack dishwasher safe"),
    Product("NimbleType Wireless Keyboard", "$69.00", "space grey and white",
            "an aluminum frame with low-profile keys", "full size, with a number pad",
            "wipe it with a slightly damp cloth while it is switched off"),
    Product("Zenith Yoga Mat", "$38.00", "lavender, sage and black",
            "natural rubber with a microfiber top", "72 x 26 inches and 5 mm thick",
            "wipe it with mild soap and water and let it air dry"),
    Product("TinyTrek Kids' Scooter", "$79.00", "blue, pink and lime",
            "an aluminum deck with light-up wheels", "for ages 3 to 8, with an adjustable handlebar",
            "wipe it clean and keep the wheels dry"),
    Product("GlowNest Night Light", "$19.99", "warm white", "soft silicone", "palm-sized, 4 inches across",
            "wipe it with a damp cloth"),
    Product("ChefEdge Knife Set", "$99.00", "black or walnut handles", "German stainless steel",
            "5 knives plus a wooden block", "hand wash and dry the knives; they are not dishwasher safe"),
    Product("BreezeMax Desk Fan", "$32.50", "white and mint", "sturdy ABS plastic",
            "12 inches tall with 3 speeds", "unplug it and dust the blades with a dry cloth"),
    Product("VelvetHome Throw Blanket", "$44.00", "cream, navy, dusty rose and mustard", "soft velvet fleece",
            "50 x 60 inches", "machine wash it cold and tumble dry on low"),
    Product("RoamCharge Power Bank", "$49.99", "black and white", "an aluminum shell",
            "10,000 mAh, enough to charge a phone about twice", "keep it away from heat and water"),
    Product("PetPal Cat Tree", "$89.00", "grey and beige", "sisal rope posts and plush carpet",
            "48 inches tall with three levels", "vacuum the carpet and brush the sisal posts"),
    Product("Ember Dragon Plush", "$22.00", "green and red", "soft polyester", "14 inches long",
            "machine wash it on a gentle cycle"),
)

# attribute -> (customer wordings, answer sentences). The answers are fixed per attribute so that the same
# question about the same product always gets the same fact.
ATTRIBUTE_QUESTIONS = {
    "price": (
        ("How much is the {product}?", "What does the {product} cost?", "What's the price of the {product}?",
         "Is the {product} expensive? How much is it?"),
        ("The {product} costs {value}.", "The {product} is {value}."),
    ),
    "colors": (
        ("What colors does the {product} come in?", "Does the {product} come in other colors?",
         "Which colors are available for the {product}?", "Can I get the {product} in a different color?"),
        ("The {product} comes in {value}.", "The {product} is available in {value}."),
    ),
    "material": (
        ("What is the {product} made of?", "What material is the {product}?",
         "Is the {product} good quality? What's it made from?", "What's the {product} made out of?"),
        ("The {product} is made of {value}.", "The {product} is made from {value}."),
    ),
    "size": (
        ("How big is the {product}?", "What size is the {product}?", "What are the dimensions of the {product}?",
         "Can you tell me the size of the {product}?"),
        ("The {product} is {value}.", "Size-wise, the {product} is {value}."),
    ),
    "care": (
        ("How do I clean the {product}?", "Is the {product} easy to clean?", "How should I care for the {product}?",
         "Can the {product} go in the washing machine or dishwasher?"),
        ("For the {product}, {value}.", "To care for the {product}, {value}."),
    ),
}
