"""The build report a person reads: `OUT/report.html`, rendered from the same data as `report.json`.

One static HTML5 page (inline CSS and a few lines of script, no network), so it can be mailed,
archived or opened from a shared drive: a summary of the batch at the top (with, per web archive, the
pages it held that made no record), then one row per record
with its status (a failure's exit code and its meaning), its errors and warnings (JSON pointers or
lines, hints; a warning's code with its meaning from the README's table) and its output files
with their sizes and SHA-256 digests and, after `build --check`, the validators' verdicts on each.
The page needs no other file, except the pictures of the PDFs' first pages (`--thumbnails` or
`--check`): they are files in OUT/.thumbnails/ the page refers to by relative address, so it opens
from disk with its folder (a page of 10,000 records with its pictures inlined would weigh 70 MB).
A picture is a placeholder (`<span class="thumb" data-src>`) the script turns into an image as its
row comes near the view: 10,000 `<img loading="lazy">` cost Chromium about 8 s of CPU to open the
page (each is watched for the view as the page is parsed), the placeholders about 0.2 s. Without
script, the placeholder's `<noscript>` image shows instead (parsed as text when script runs).
Failed records come first, then those with warnings; the page is made a record at a time, never held
whole. Filters (`#failed`, `#warned`, `#all` in the address, or the links at the top) hide the other
rows; without script every row shows. The page is deterministic: no timings, no clock.
"""

from __future__ import annotations

from html import escape
from typing import Any, Callable, Iterable, Iterator, Mapping
from urllib.parse import quote

from .errors import EXIT_CODES, WARNING_CODES

FILTERS = {"all": "All records", "failed": "Failed", "warned": "With warnings"}

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#1b1b1b;background:#fff}
header,main{padding:0 1.5rem}header{border-bottom:1px solid #ccc;padding-bottom:.8rem}
h1{font-size:1.5rem;margin:1rem 0 .3rem}.meta{color:#555;margin:0 0 .6rem}
.summary{display:flex;flex-wrap:wrap;gap:.6rem;margin:0;padding:0;list-style:none}
.summary li{border:1px solid #ccc;border-radius:4px;padding:.3rem .7rem}.summary b{font-size:1.2rem}
nav{margin-top:.8rem}nav a{margin-right:1rem;color:#0645ad}nav a[aria-current=true]{font-weight:bold;color:#1b1b1b}
table{border-collapse:collapse;width:100%}#records{margin:1rem 0}
#records>thead th{text-align:left;border-bottom:2px solid #999;padding:.3rem .5rem;position:sticky;top:0;background:#fff}
#records>tbody>tr>td{vertical-align:top;border-bottom:1px solid #e2e2e2;padding:.4rem .5rem}
.status{font-weight:bold;white-space:nowrap}.exit{font-size:.85em;color:#555}.failed .status{color:#a40000}.built .status{color:#1a6b1a}
.unchanged .status{color:#555}ul.problems{margin:0;padding-left:1.1rem}
.error{color:#a40000}.warning{color:#7a4d00}.hint{color:#333;font-style:italic}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.85em;overflow-wrap:anywhere}
.outputs td{padding:.1rem .4rem;border-bottom:1px solid #f0f0f0}.outputs td:nth-child(2){text-align:right;white-space:nowrap}
.outputs td:nth-child(3){font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.8em;overflow-wrap:anywhere}
summary{cursor:pointer}.verdict{font-size:.85em;white-space:nowrap}.verdict ul{white-space:normal;margin:0}
.skipped{margin:.6rem 0 0}.skipped ul{margin:.2rem 0}.pass{color:#1a6b1a}.fail{color:#a40000}img.thumb{display:block;margin-top:.3rem;border:1px solid #ccc}
"""

# Filtering sets `hidden` on rows (not a style), so the state is in the document itself; a picture's
# placeholder becomes an image once within 600 px of the view (a hidden row never is).
_SCRIPT = """
(function(){
var rows=document.querySelectorAll('#records>tbody>tr'),links=document.querySelectorAll('nav a'),
shown=document.getElementById('shown');
function apply(){var f=location.hash.slice(1);if(!/^(all|failed|warned)$/.test(f))f='all';var n=0;
for(var i=0;i<rows.length;i++){var r=rows[i],show=f==='all'||(f==='failed'?r.dataset.status==='failed':r.dataset.warned==='1');
r.hidden=!show;if(show)n++;}
for(var j=0;j<links.length;j++)links[j].setAttribute('aria-current',links[j].hash==='#'+f?'true':'false');
document.body.setAttribute('data-filter',f);shown.textContent=n;}
window.addEventListener('hashchange',apply);apply();
var spots=document.querySelectorAll('span.thumb[data-src]');
function picture(s){var i=document.createElement('img');i.className='thumb';i.width=80;
i.alt='First page of the PDF of '+s.closest('tr').id.slice(2);
i.src=s.dataset.src;s.replaceWith(i);}
if(!('IntersectionObserver' in window)){for(var k=0;k<spots.length;k++)picture(spots[k]);return;}
var io=new IntersectionObserver(function(seen){seen.forEach(function(e){if(e.isIntersecting){io.unobserve(e.target);picture(e.target);}});},
{rootMargin:'600px'});
for(var k=0;k<spots.length;k++)io.observe(spots[k]);})();
"""


def render(head: Mapping[str, Any], summary: Mapping[str, int], records: Iterable[Mapping[str, Any]],
           size_of: Callable[[str], int | None], title: str) -> Iterator[str]:
    """The page in pieces, a record at a time. `head` is the report without its records (as
    `batch.report_head` makes it, with the CLI's additions such as `shard`); `summary` its counts
    (built, unchanged, failed) and `warned`; `records` in the page's order (failed first, then those
    with warnings); `size_of` an output's size in bytes by its name relative to OUT (None: not there)."""
    built, unchanged, failed = (summary.get(k, 0) for k in ("built", "unchanged", "failed"))
    total, warned = built + unchanged + failed, summary.get("warned", 0)
    meta = [f"archiver {head.get('archiver_version', '?')}", f"style {head.get('style', '?')}",
            "formats: " + ", ".join(head.get("formats", []))]
    if head.get("shard"):
        meta.append(f"shard {head['shard']}")
    if head.get("checked"):
        meta.append("validators run on the outputs (--check)")
    counts = [("records", total), ("built", built), ("unchanged", unchanged), ("failed", failed),
              ("with warnings", warned)]
    if head.get("checked"):
        counts.append(("failed a check", summary.get("check_failed", 0)))
    skipped = head.get("skipped") or {}
    if skipped:  # what web archives held that made no record (home, listing and tag pages, not 200, ...)
        counts.append(("pages skipped", sum(sum(kinds.values()) for kinds in skipped.values())))
    filter_counts = {"all": total, "failed": failed, "warned": warned}
    yield "".join([
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{_text(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<header>\n",
        f"<h1>{_text(title)}</h1>\n<p class=\"meta\">{_text(' · '.join(meta))}</p>\n",
        '<ul class="summary">',
        "".join(f'<li class="count-{quote(name.replace(" ", "-"))}"><b>{value}</b> {_text(name)}</li>'
                for name, value in counts),
        '</ul>\n', _skipped(skipped), '<nav aria-label="Filter the records">',
        "".join(f'<a href="#{name}">{_text(label)} ({filter_counts[name]})</a>' for name, label in FILTERS.items()),
        f'<span>showing <b id="shown">{total}</b></span></nav>\n</header>\n<main>\n',
        '<table id="records">\n<thead><tr><th scope="col">Record</th><th scope="col">Status</th>'
        '<th scope="col">Source</th><th scope="col">Errors and warnings</th><th scope="col">Outputs</th>'
        "</tr></thead>\n<tbody>\n"])
    for record in records:
        yield _row(record, size_of)
    yield f"</tbody>\n</table>\n</main>\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"


def _skipped(skipped: Mapping[str, Mapping[str, int]]) -> str:
    """Per source, what it held that made no record (a web archive's pages that are no articles)."""
    if not skipped:
        return ""
    from .ingest import skipped_text

    items = "".join(f"<li><code>{_text(source)}</code>: {_text(skipped_text(dict(kinds)))}</li>"
                    for source, kinds in skipped.items())
    return f'<div class="skipped">Pages skipped by the readers (they made no record):<ul>{items}</ul></div>\n'


def _row(record: Mapping[str, Any], size_of: Callable[[str], int | None]) -> str:
    status = str(record.get("status", "?"))
    identifier = record.get("identifier")
    code = record.get("exit_code")
    exit_code = (f' <span class="exit">(exit {_text(code)}: {_text(EXIT_CODES.get(code, "?"))})</span>'
                 if code else "")
    problems = [_error(error) for error in record.get("errors", [])]
    problems += [_warning(warning) for warning in record.get("warnings", [])]
    problem_cell = f'<ul class="problems">{"".join(problems)}</ul>' if problems else ""
    anchor = f' id="r-{_attr(identifier)}"' if identifier else ""
    thumbnail = record.get("thumbnail")
    # relative to the page in OUT; made an image by the script near the view (see the docstring)
    src, alt = _attr(quote(thumbnail or "")), _attr(f"First page of the PDF of {identifier}")
    picture = (f'<span class="thumb" data-src="{src}"><noscript><img class="thumb" '
               f'src="{src}" width="80" alt="{alt}"></noscript></span>' if thumbnail else "")
    return (f'<tr class="{_attr(status)}" data-status="{_attr(status)}" '
            f'data-warned="{1 if record.get("warnings") else 0}"{anchor}>'
            f"<td>{_text(identifier or '-')}{picture}</td>"
            f"<td><span class=\"status\">{_text(status)}</span>{exit_code}</td>"
            f"<td><code>{_text(record.get('source', ''))}</code></td><td>{problem_cell}</td>"
            f"<td>{_outputs(record.get('outputs', {}), size_of, record.get('checks', {}))}</td></tr>\n")


def _error(error: Mapping[str, Any]) -> str:
    where = []
    if error.get("line") is not None:
        where.append(f"line {error['line']}")
    if error.get("pointer") is not None:
        where.append(f"<code>{_text(error['pointer'] or '/')}</code>")
    hint = f' <span class="hint">(hint: {_text(error["hint"])})</span>' if error.get("hint") else ""
    return (f'<li class="error"><b>error</b> {" ".join(where)}{": " if where else " "}'
            f"{_text(error.get('message', ''))}{hint}</li>")


def _warning(warning: Mapping[str, Any]) -> str:
    """A warning with its code, and the code's meaning (the README's table) as its hint."""
    pointer = f" <code>{_text(warning['pointer'])}</code>" if warning.get("pointer") else ""
    code = warning.get("code", "warning")
    meaning = WARNING_CODES.get(code)
    hint = f' <span class="hint">({_text(code)}: {_text(meaning)})</span>' if meaning else ""
    return (f'<li class="warning"><b>{_text(code)}</b>{pointer} {_text(warning.get("message", ""))}{hint}</li>')


def _outputs(outputs: Mapping[str, str], size_of: Callable[[str], int | None],
             checks: Mapping[str, list[Mapping[str, Any]]]) -> str:
    if not outputs:
        return ""
    names = sorted(outputs)
    sizes = {name: size for name in names if (size := size_of(name)) is not None}
    total = sum(sizes.values())
    # End tags of td and tr are left out (HTML allows it): 12 outputs a record, thousands of records.
    rows = "".join(
        f'<tr><td><a href="{_attr(quote(name))}">{_text(name.rsplit("/", 1)[-1])}</a>'
        f'<td>{_size(sizes[name]) if name in sizes else "missing"}<td>{_text(outputs[name])}'
        f'<td>{"".join(_verdict(verdict) for verdict in checks.get(name, []))}' for name in names)
    failed = sum(verdict.get("verdict") == "fail" for verdicts in checks.values() for verdict in verdicts)
    passed = sum(verdict.get("verdict") == "pass" for verdicts in checks.values() for verdict in verdicts)
    said = (f', <span class="fail">{failed} check{"s" if failed != 1 else ""} failed</span>' if failed else
            f', <span class="pass">{passed} check{"s" if passed != 1 else ""} passed</span>' if passed else "")
    return (f"<details{' open' if failed else ''}><summary>{len(names)} file{'s' if len(names) != 1 else ''}, "
            f'{_size(total)}{said}</summary><table class="outputs">{rows}</table></details>')


def _verdict(verdict: Mapping[str, Any]) -> str:
    """One validator's verdict on an output: passed, or failed with its first problems and their count."""
    name = _text(verdict.get("validator", "?"))
    if verdict.get("verdict") == "pass":
        return f'<div class="verdict pass" data-verdict="pass">\u2713 {name}</div>'
    problems = "".join(f"<li>{_text(problem)}</li>" for problem in verdict.get("problems", []))
    count = verdict.get("count", 0)
    more = f"<li>and {count - len(verdict.get('problems', []))} more</li>" if count > len(verdict.get("problems", [])) else ""
    return (f'<div class="verdict fail" data-verdict="fail">\u2717 {name}: {count} problem{"s" if count != 1 else ""}'
            f"<ul>{problems}{more}</ul></div>")


def _size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB"):
        value /= 1000
        if value < 1000:
            return f"{value:.1f} {unit}"
    return f"{value / 1000:.1f} GB"


def _text(value: Any) -> str:
    return escape(str(value), quote=False)


def _attr(value: Any) -> str:
    return escape(str(value), quote=True)
