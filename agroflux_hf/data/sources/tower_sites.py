"""The cropland towers of AgroFlux-mini: documented site facts and the citation each one asks for.

One place for what the derive script writes as site attributes and what model and dataset cards cite
(coordinates and elevations from the FLUXNET / AmeriFlux / ICOS site lists; irrigation only where a
source states it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TowerSite:
    """A cropland tower of AgroFlux-mini: documented site facts (FLUXNET / AmeriFlux / ICOS site lists)."""

    site_id: str
    name: str
    latitude: float
    longitude: float
    elevation: float
    irrigated: bool | None  # None: not stated by a source we have
    crops: str
    citation: str


FLUXNET2015 = (
    "Pastorello et al. (2020), The FLUXNET2015 dataset, Sci. Data 7:225, doi:10.1038/s41597-020-0534-3"
)
SITES: dict[str, TowerSite] = {
    s.site_id: s
    for s in (
        TowerSite(
            "US-Ne1",
            "Mead irrigated continuous maize, Nebraska, USA",
            41.1651,
            -96.4766,
            361.0,
            True,
            "maize every year (irrigated)",
            f"CC BY 4.0. {FLUXNET2015}; AmeriFlux US-Ne1 (A. Suyker), doi:10.17190/AMF/1246084",
        ),
        TowerSite(
            "US-ARM",
            "ARM Southern Great Plains, Lamont, Oklahoma, USA",
            36.6058,
            -97.4888,
            314.0,
            False,
            "winter wheat and other crops (not recorded here)",
            f"CC BY 4.0. {FLUXNET2015}; AmeriFlux US-ARM (S. Biraud, M. Torn), doi:10.17190/AMF/1246027",
        ),
        TowerSite(
            "DE-Geb",
            "Gebesee, Thuringia, Germany",
            51.0997,
            10.9146,
            161.5,
            False,
            "winter wheat, barley, rapeseed, sugar beet, potato",
            f"CC BY 4.0. {FLUXNET2015}; FLUXNET2015 site DE-Geb (site DOI on fluxnet.org)",
        ),
        TowerSite(
            "DE-Kli",
            "Klingenberg, Saxony, Germany",
            50.8931,
            13.5224,
            478.0,
            False,
            "rapeseed, winter wheat, maize, spring barley",
            f"CC BY 4.0. {FLUXNET2015}; FLUXNET2015 site DE-Kli (site DOI on fluxnet.org)",
        ),
        TowerSite(
            "DE-Seh",
            "Selhausen, North Rhine-Westphalia, Germany",
            50.8706,
            6.4497,
            103.0,
            False,
            "crop rotation (not recorded here)",
            f"CC BY 4.0. {FLUXNET2015}; FLUXNET2015 site DE-Seh (site DOI on fluxnet.org)",
        ),
        TowerSite(
            "IT-BCi",
            "Borgo Cioffi, Campania, Italy",
            40.5238,
            14.9574,
            20.0,
            None,
            "maize and forage crops",
            f"CC BY 4.0. {FLUXNET2015}; FLUXNET2015 site IT-BCi (site DOI on fluxnet.org)",
        ),
        TowerSite(
            "CH-Oe2",
            "Oensingen crop, Switzerland",
            47.2864,
            7.7337,
            452.0,
            False,
            "winter wheat, barley, rapeseed, maize, grass-clover",
            "CC BY 4.0. Buchmann, Hoertnagl, Keller, Turco (2024), ICOS Fluxnet Archive CH-Oe2, "
            "hdl:11676/39gLjDLg85pGQzLxDnzjtRU1; daily table from stineb/CN_model_Oensingen_site",
        ),
        TowerSite(
            "US-Tw3",
            "Twitchell Alfalfa, California, USA",
            38.1159,
            -121.6467,
            -9.0,
            None,
            "alfalfa (cut several times a year)",
            "CC BY 4.0. D. Baldocchi, AmeriFlux BASE US-Tw3 ver. 5-5, doi:10.17190/AMF/1246149",
        ),
    )
}
