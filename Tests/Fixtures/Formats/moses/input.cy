Mae'r tywydd yn hyfryd heddiw.
Bore da 🌅

Ŵyr ac ŷd
