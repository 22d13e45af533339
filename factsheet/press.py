"""Make a finished PDF ready for a print shop: CMYK only, an output intent, crop marks.

WeasyPrint's ``pdf/x-4`` variant identifies the file as PDF/X-4 and sets the TrimBox and
BleedBox, but it paints in RGB, writes no output intent, and draws its crop marks in RGB inside
the bleed. :func:`make_press_ready` finishes the job on the PDF's objects, before they are
saved:

- every colour a content stream sets (``rg``, ``RG``, ``sc``/``scn`` in DeviceRGB or an RGB
  ICC space) becomes CMYK: the house colours by :data:`HOUSE_CMYK`, greys as black ink only
  (text in one plate, never a four-colour grey), any other colour through the output profile;
- RGB pictures are converted to CMYK through the output profile (lossless), and an image the
  converter cannot read is refused with an error naming it;
- the output intent embeds the CMYK profile (:data:`OUTPUT_INTENT`);
- the crop marks are drawn outside the bleed, in the registration colour (every plate), as
  artifacts, and the MediaBox grows to hold them;
- link annotations are not printable (PDF/X allows none inside the bleed); they still work on
  screen.

The profile is Ghostscript's "Artifex CMYK SWOP Profile" (``default_cmyk.icc``, Debian
``libgs-common``, AGPL-3.0-or-later as part of Ghostscript): a free profile for the U.S. web
offset (SWOP) condition that GPO and U.S. print shops run. ``make`` copies it into
``templates/press/`` (``python -m factsheet.press``), like the Noto fonts.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import sys
import uuid
import zlib
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

from .errors import FactsheetError

PRESS_FOLDER = "press"
OUTPUT_INTENT = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")
OUTPUT_INTENT_PACKAGE = "libgs-common"
OUTPUT_INTENT_NAME = "output-intent.icc"
OUTPUT_CONDITION = "Artifex CMYK SWOP Profile (U.S. web offset, SWOP)"

# The house colours (USWDS tokens) as CMYK, by hand: the navy and blue as a press would mix
# them, the greys and ink as black ink only, so that text prints from one plate.
HOUSE_CMYK: dict[str, tuple[float, float, float, float]] = {
    "#162e51": (1.00, 0.80, 0.30, 0.45),  # primary-darker: masthead, headings, rules
    "#005ea2": (1.00, 0.50, 0.00, 0.15),  # primary: links
    "#d83933": (0.05, 0.90, 0.85, 0.00),  # secondary red: the thin rule
    "#b50909": (0.10, 1.00, 1.00, 0.10),  # the draft and embargo markings
    "#f0f0f0": (0.00, 0.00, 0.00, 0.06),  # box background
}
# Crop marks: 0.25 pt lines starting 3 pt beyond the bleed, 15 pt long.
MARK_GAP = 3.0
MARK_LENGTH = 15.0
MARK_WIDTH = 0.25


def install_output_intent(templates_dir: Path) -> list[str]:
    """Copy the output intent's ICC profile into ``templates/press/``; return the Debian
    packages missing for it (to be named to the user)."""
    if not OUTPUT_INTENT.is_file():
        return [OUTPUT_INTENT_PACKAGE]
    target = templates_dir / PRESS_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    copy = target / OUTPUT_INTENT_NAME
    if not copy.is_file() or copy.read_bytes() != OUTPUT_INTENT.read_bytes():
        temporary = copy.with_name(f".{copy.name}.tmp")
        shutil.copyfile(OUTPUT_INTENT, temporary)
        temporary.replace(copy)
    return []


def output_intent_path(templates_dir: Path) -> Path:
    """Where the output intent's ICC profile is, once installed."""
    return templates_dir / PRESS_FOLDER / OUTPUT_INTENT_NAME


def make_press_ready(pdf: pikepdf.Pdf, icc_path: Path, source: Path) -> None:
    """Convert ``pdf`` to CMYK, add its output intent and crop marks (see the module).

    ``source`` is the content file, named by the error for a picture that cannot be converted
    or a missing profile.
    """
    try:
        icc = icc_path.read_bytes()
    except OSError:
        raise FactsheetError(
            source,
            None,
            f"the print profile needs {OUTPUT_INTENT_NAME} (Debian {OUTPUT_INTENT_PACKAGE}); "
            "install it and run make",
        ) from None
    converter = _Converter(icc)
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        rgb_names = _convert_resources(page.obj, converter, seen, source)
        converted = _cmyk_stream(page.obj, converter, rgb_names)
        page.obj.Contents = pdf.make_stream(converted)
        _cmyk_group(page.obj)
        _add_crop_marks(pdf, page.obj)
        _links_not_printed(page.obj)
    _add_output_intent(pdf, icc)
    _stable_document_id(pdf)


class _Converter:
    """RGB → CMYK, for colours and pictures, through the output profile."""

    def __init__(self, icc: bytes) -> None:
        self.transform = _transform(icc)
        # The colour-space names that were RGB, by the (shared) dictionary that held them.
        self.rgb_names: dict[tuple[int, int], set[str]] = {}

    def colour(self, red: float, green: float, blue: float) -> tuple[float, float, float, float]:
        """The CMYK of an RGB colour given as 0-1 values."""
        rgb = tuple(max(0, min(255, round(float(part) * 255))) for part in (red, green, blue))
        key = "#" + "".join(f"{part:02x}" for part in rgb)
        if key in HOUSE_CMYK:
            return HOUSE_CMYK[key]
        if rgb[0] == rgb[1] == rgb[2]:
            return (0.0, 0.0, 0.0, round(1 - rgb[0] / 255, 3))
        return _profile_colour(self.transform, rgb)

    def picture(self, image: Any) -> Any:
        """A Pillow image (RGB, RGBA, palette…) as CMYK."""
        from PIL import ImageCms  # noqa: PLC0415

        rgb = image.convert("RGB")
        return ImageCms.applyTransform(rgb, self.transform)


@lru_cache(maxsize=2)
def _transform(icc: bytes) -> Any:
    from PIL import ImageCms  # noqa: PLC0415

    return ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"),
        ImageCms.ImageCmsProfile(io.BytesIO(icc)),
        "RGB",
        "CMYK",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
    )


def _profile_colour(transform: Any, rgb: tuple[int, ...]) -> tuple[float, float, float, float]:
    from PIL import Image, ImageCms  # noqa: PLC0415

    converted = ImageCms.applyTransform(Image.new("RGB", (1, 1), rgb), transform)
    assert converted is not None  # applyTransform returns None only when told to work in place
    c, m, y, k = (round(part / 255, 3) for part in converted.tobytes())
    return (c, m, y, k)


def _is_rgb_space(space: Any) -> bool:
    """DeviceRGB, CalRGB, or an ICC-based space of three components."""
    if isinstance(space, Name):
        return space == Name.DeviceRGB
    if not (isinstance(space, Array) and len(space) > 1):
        return False
    if space[0] == Name.ICCBased:
        return int(space[1].get("/N", 0)) == 3
    return bool(space[0] == Name("/CalRGB"))


def _cmyk_stream(owner: Any, converter: _Converter, rgb_names: frozenset[str]) -> bytes:
    """The content of a page or form with every RGB colour operator made CMYK.

    ``rgb_names`` are the owner's named colour spaces that were RGB (now DeviceCMYK).
    """
    instructions: list[Any] = []
    rgb = {"fill": False, "stroke": False}
    for instruction in pikepdf.parse_content_stream(owner):
        operands, operator = instruction.operands, instruction.operator
        op = str(operator)
        side = "fill" if op.islower() else "stroke"
        if op in ("rg", "RG"):
            cmyk = converter.colour(*operands)
            instructions.append(
                ([*map(_number, cmyk)], pikepdf.Operator(op[0].replace("r", "k").replace("R", "K")))
            )
        elif op in ("cs", "CS"):
            rgb[side] = str(operands[0]) == "/DeviceRGB" or str(operands[0]) in rgb_names
            instructions.append(([Name.DeviceCMYK] if rgb[side] else operands, operator))
        elif op in ("sc", "scn", "SC", "SCN") and len(operands) == 3 and rgb[side]:
            instructions.append(([*map(_number, converter.colour(*operands))], operator))
        else:
            instructions.append(instruction)
    return pikepdf.unparse_content_stream(instructions)


def _cmyk_group(owner: Any) -> None:
    """A transparency group blends in CMYK, the output's space, not RGB."""
    group = owner.get("/Group")
    if isinstance(group, Dictionary) and "/CS" in group and _is_rgb_space(group.CS):
        group.CS = Name.DeviceCMYK


def _number(value: float) -> Decimal:
    return Decimal(str(round(value, 3)))


def _convert_resources(
    owner: Any, converter: _Converter, seen: set[tuple[int, int]], source: Path
) -> frozenset[str]:
    """Convert the pictures, forms, patterns and shadings an owner's resources name; return
    the names of its colour spaces that were RGB."""
    resources = owner.get("/Resources")
    if not isinstance(resources, Dictionary):
        return frozenset()
    spaces = resources.get("/ColorSpace")
    rgb_names: set[str] = set()
    if isinstance(spaces, Dictionary):
        # WeasyPrint shares one resources dictionary between pages and forms: the names that
        # were RGB are remembered, since the second page finds them CMYK already.
        shared = spaces.objgen if spaces.objgen != (0, 0) else resources.objgen
        for key, space in list(spaces.items()):
            if _is_rgb_space(space):
                rgb_names.add(key)
                spaces[key] = Name.DeviceCMYK
        if shared != (0, 0):
            rgb_names |= converter.rgb_names.setdefault(shared, set())
            converter.rgb_names[shared] = rgb_names
    for kind in ("/XObject", "/Pattern", "/Shading"):
        group = resources.get(kind)
        if not isinstance(group, Dictionary):
            continue
        for _key, item in group.items():
            if item.objgen != (0, 0) and item.objgen in seen:
                continue
            seen.add(item.objgen)
            if kind == "/XObject" and item.get("/Subtype") == Name.Image:
                _convert_picture(item, converter, source)
            elif kind == "/XObject" or item.get("/PatternType") == 1:
                names = _convert_resources(item, converter, seen, source)
                item.write(_cmyk_stream(item, converter, names))
                _cmyk_group(item)
            else:
                _convert_shading(item.get("/Shading", item), converter, source)
    return frozenset(rgb_names)


def _convert_shading(shading: Any, converter: _Converter, source: Path) -> None:
    if not _is_rgb_space(shading.get("/ColorSpace")):
        return
    function = shading.get("/Function")
    functions = [function]
    if isinstance(function, Dictionary) and function.get("/FunctionType") == 3:
        functions = list(function.Functions)
    for part in functions:
        if not (isinstance(part, Dictionary) and part.get("/FunctionType") == 2):
            raise FactsheetError(source, None, "a gradient in RGB cannot be printed in CMYK here")
        for end in ("/C0", "/C1"):
            values = part.get(end, Array([0, 0, 0] if end == "/C0" else [1, 1, 1]))
            part[end] = Array([*map(_number, converter.colour(*values))])
    shading.ColorSpace = Name.DeviceCMYK


def _convert_picture(image: Any, converter: _Converter, source: Path) -> None:
    space = image.get("/ColorSpace")
    indexed_rgb = (
        isinstance(space, Array)
        and len(space) > 1
        and space[0] == Name.Indexed
        and _is_rgb_space(space[1])
    )
    if not (_is_rgb_space(space) or indexed_rgb):
        return
    try:
        picture = pikepdf.PdfImage(image).as_pil_image()
    except (pikepdf.PdfError, NotImplementedError, ValueError) as error:
        raise FactsheetError(
            source, None, f"a picture cannot be converted to CMYK for print: {error}"
        ) from None
    cmyk = converter.picture(picture)
    image.write(zlib.compress(cmyk.tobytes(), 6), filter=Name.FlateDecode)
    image.ColorSpace = Name.DeviceCMYK
    image.BitsPerComponent = 8
    for key in ("/DecodeParms", "/Decode", "/Intent"):
        if key in image:
            del image[key]


def _links_not_printed(page: Any) -> None:
    """Clear the Print flag of link annotations: PDF/X allows no printable annotation inside
    the bleed but trap networks and printer's marks. Links have no appearance to print; they
    stay clickable on screen."""
    for annotation in page.get("/Annots", []):
        if annotation.get("/Subtype") == Name.Link:
            annotation.F = int(annotation.get("/F", 0)) & ~4


def _add_crop_marks(pdf: pikepdf.Pdf, page: Any) -> None:
    """Crop marks at the trim's corners, outside the bleed, in registration colour."""
    left, bottom, right, top = (float(value) for value in page.TrimBox)
    bleed = [float(value) for value in page.get("/BleedBox", page.TrimBox)]
    outset = max(left - bleed[0], bottom - bleed[1], bleed[2] - right, bleed[3] - top)
    start, end = outset + MARK_GAP, outset + MARK_GAP + MARK_LENGTH
    lines = []
    for x, sign_x in ((left, -1), (right, 1)):
        for y, sign_y in ((bottom, -1), (top, 1)):
            lines.append(f"{x + sign_x * start:g} {y:g} m {x + sign_x * end:g} {y:g} l S")
            lines.append(f"{x:g} {y + sign_y * start:g} m {x:g} {y + sign_y * end:g} l S")
    marks = (
        "Q\n/Artifact <</Type /Page>> BDC\nq\n"
        f"/FactsheetRegistration CS 1 SCN {MARK_WIDTH:g} w 0 J [] 0 d\n"
        + "\n".join(lines)
        + "\nQ\nEMC\n"
    )
    original = page.Contents
    page.Contents = Array([pdf.make_stream(b"q\n"), original, pdf.make_stream(marks.encode())])
    resources = page.Resources
    if "/ColorSpace" not in resources:
        resources.ColorSpace = Dictionary()
    resources.ColorSpace.FactsheetRegistration = _registration(pdf)
    margin = end + MARK_GAP
    page.MediaBox = Array(
        [_number(value) for value in (left - margin, bottom - margin, right + margin, top + margin)]
    )


_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")


def _stable_document_id(pdf: pikepdf.Pdf) -> None:
    """WeasyPrint gives a PDF/X's XMP a random document ID; derive it from the file's
    identifier instead (itself derived from the input), so the bytes stay reproducible."""
    identifier = bytes(pdf.trailer.ID[0]) if "/ID" in pdf.trailer else b""
    stable = uuid.UUID(bytes=hashlib.md5(identifier, usedforsecurity=False).digest())
    metadata = pdf.Root.Metadata.read_bytes()
    pdf.Root.Metadata.write(_DOCUMENT_ID.sub(f"xmp.did:{stable}".encode(), metadata))


def _registration(pdf: pikepdf.Pdf) -> Array:
    """The registration colour: a separation named All, which prints on every plate."""
    function = Dictionary(
        FunctionType=2, Domain=Array([0, 1]), C0=Array([0, 0, 0, 0]), C1=Array([1, 1, 1, 1]), N=1
    )
    return Array([Name("/Separation"), Name("/All"), Name.DeviceCMYK, pdf.make_indirect(function)])


def _add_output_intent(pdf: pikepdf.Pdf, icc: bytes) -> None:
    profile = pdf.make_stream(icc)
    profile.N = 4
    intent = Dictionary(
        Type=Name.OutputIntent,
        S=Name("/GTS_PDFX"),
        OutputConditionIdentifier=pikepdf.String("Custom"),
        OutputCondition=pikepdf.String(OUTPUT_CONDITION),
        Info=pikepdf.String(OUTPUT_CONDITION),
        RegistryName=pikepdf.String("http://www.color.org"),
        DestOutputProfile=profile,
    )
    pdf.Root.OutputIntents = Array([pdf.make_indirect(intent)])
    # The XMP says PDF/X-4 (WeasyPrint); the Info dictionary says it too, for older preflight.
    pdf.docinfo.GTS_PDFXVersion = pikepdf.String("PDF/X-4")


if __name__ == "__main__":
    absent = install_output_intent(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("templates"))
    if absent:
        print(
            "factsheet: the print profile's CMYK ICC profile is not installed; "
            f"`pdf --profile print` will fail until it is (apt-get install {absent[0]})",
            file=sys.stderr,
        )
        sys.exit(1)
