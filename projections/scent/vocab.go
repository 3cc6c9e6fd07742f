package scent

// The vocabulary is the vector's layout: a name's index in its list is its
// slot. Appending a name moves the hashed buckets, so any change here is a
// new VectorVersion (and a rebuilt index).

// VectorVersion names the layout of vocab.go and Vectorize. The index of
// each version is its own collection and its own projector (View).
const VectorVersion = 1

func knownNotes() []string {
	return []string{
		// citrus, spice and fresh openings
		"bergamot", "lemon", "pink pepper", "saffron", "cardamom", "mandarin", "grapefruit", "lavender", "neroli",
		"apple", "blackcurrant", "ginger", "mint", "elemi", "black pepper", "pineapple", "peach", "plum", "lime", "sage",
		// florals and warm spices
		"rose", "taif rose", "jasmine", "orange blossom", "iris", "tuberose", "geranium", "violet", "cinnamon", "nutmeg",
		"lily of the valley", "ylang ylang", "clove", "davana",
		// woods, resins, musks and gourmands
		"oud", "sandalwood", "amber", "musk", "vanilla", "patchouli", "vetiver", "cedarwood", "leather", "tonka bean",
		"benzoin", "labdanum", "frankincense", "myrrh", "ambergris", "coffee", "tobacco", "honey", "caramel",
		"cashmeran", "papyrus", "birch",
	}
}

func knownAccords() []string {
	return []string{"woody", "oud", "amber", "floral", "rose", "musky", "sweet", "warm spicy", "fresh", "citrus",
		"leather", "smoky", "powdery", "balsamic", "fruity", "aromatic", "vanilla", "fresh spicy", "earthy", "green",
		"aquatic", "gourmand", "animalic", "white floral"}
}

func oudTypes() []string {
	return []string{"cambodi", "hindi", "assam", "malaysian", "thai", "burmese", "papua"}
}

func seasons() []string { return []string{"winter", "spring", "summer", "autumn"} }

func occasions() []string {
	return []string{"daily", "evening", "office", "wedding", "ramadan", "eid", "date night"}
}

func longevities() []string { return []string{"weak", "moderate", "long lasting", "eternal"} }
func sillages() []string    { return []string{"intimate", "moderate", "strong", "enormous"} }

// aliases are spellings shoppers and vendors use for a named entry.
func aliases() map[string]string {
	return map[string]string{
		"agarwood": "oud", "oudh": "oud", "aoud": "oud", "oud wood": "oud", "dehn al oud": "oud", "dahn al oud": "oud",
		"sandal": "sandalwood", "cedar": "cedarwood", "tonka": "tonka bean", "orris": "iris", "olibanum": "frankincense",
		"incense": "frankincense", "bakhoor": "frankincense", "ylang": "ylang ylang", "damask rose": "rose",
		"rose de taif": "taif rose", "white musk": "musk", "lily": "lily of the valley", "muguet": "lily of the valley",
		"orange flower": "orange blossom", "black currant": "blackcurrant", "cassis": "blackcurrant",
		"eid al fitr": "eid", "date_night": "date night", "long_lasting": "long lasting",
		"spicy": "warm spicy", "musk accord": "musky",
	}
}

// Block sizes.
const (
	noteHash   = 8
	accordHash = 8
)
