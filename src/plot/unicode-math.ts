/**
 * Plain-text TeX (`e^{Vt}`, `K^{3/2}`, `x_{k+1}`) written as Unicode math (eⱽᵗ, K³ᐟ², xₖ₊₁) for
 * anything a reader sees: legends, axis titles, captions and report text. Plotly draws text with the
 * page's fonts, and no reader should have to parse TeX, so figures carry no raw `^{…}` or `_{…}`.
 */

const SUPERSCRIPT: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹',
  '+': '⁺', '-': '⁻', '−': '⁻', '=': '⁼', '(': '⁽', ')': '⁾', '/': 'ᐟ', '.': '·', ' ': '',
  a: 'ᵃ', b: 'ᵇ', c: 'ᶜ', d: 'ᵈ', e: 'ᵉ', f: 'ᶠ', g: 'ᵍ', h: 'ʰ', i: 'ⁱ', j: 'ʲ', k: 'ᵏ', l: 'ˡ', m: 'ᵐ',
  n: 'ⁿ', o: 'ᵒ', p: 'ᵖ', r: 'ʳ', s: 'ˢ', t: 'ᵗ', u: 'ᵘ', v: 'ᵛ', w: 'ʷ', x: 'ˣ', y: 'ʸ', z: 'ᶻ',
  A: 'ᴬ', B: 'ᴮ', D: 'ᴰ', E: 'ᴱ', G: 'ᴳ', H: 'ᴴ', I: 'ᴵ', J: 'ᴶ', K: 'ᴷ', L: 'ᴸ', M: 'ᴹ', N: 'ᴺ',
  O: 'ᴼ', P: 'ᴾ', R: 'ᴿ', T: 'ᵀ', U: 'ᵁ', V: 'ⱽ', W: 'ᵂ',
  'β': 'ᵝ', 'γ': 'ᵞ', 'δ': 'ᵟ', 'θ': 'ᶿ', 'φ': 'ᵠ', 'χ': 'ᵡ',
};

const SUBSCRIPT: Record<string, string> = {
  '0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆', '7': '₇', '8': '₈', '9': '₉',
  '+': '₊', '-': '₋', '−': '₋', '=': '₌', '(': '₍', ')': '₎', ' ': '',
  a: 'ₐ', e: 'ₑ', h: 'ₕ', i: 'ᵢ', j: 'ⱼ', k: 'ₖ', l: 'ₗ', m: 'ₘ', n: 'ₙ', o: 'ₒ', p: 'ₚ', r: 'ᵣ',
  s: 'ₛ', t: 'ₜ', u: 'ᵤ', v: 'ᵥ', x: 'ₓ',
  'β': 'ᵦ', 'γ': 'ᵧ', 'ρ': 'ᵨ', 'φ': 'ᵩ', 'χ': 'ᵪ',
};

/** `s` in super/subscript characters, or undefined when one of its characters has none. */
function mapAll(s: string, table: Record<string, string>): string | undefined {
  let out = '';
  for (const ch of s) {
    const m = table[ch];
    if (m === undefined) return undefined;
    out += m;
  }
  return out;
}

/** The content of the braced group opening at `open` (index of `{`) and the index after its `}`. */
function braced(s: string, open: number): { body: string; end: number } | undefined {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return { body: s.slice(open + 1, i), end: i + 1 };
  }
  return undefined;
}

/**
 * Rewrite TeX-style scripts as Unicode: `^{…}` becomes superscript characters and `_{…}`
 * subscript characters when every character has one (`e^{Vt}` → eⱽᵗ, `K^{3/2}` → K³ᐟ²,
 * `x_{k+1}` → xₖ₊₁, `e^{L(l+1)}` → eᴸ⁽ˡ⁺¹⁾); otherwise the group is kept readable in brackets
 * (`e^{−Ãt}` → e^(−Ãt), `f_{batch[m]}` → f_(batch[m])). Groups nest; text without scripts is
 * returned as is.
 *
 * @remarks Example (an internal helper, not in the package API): `unicodeMath('C2 e^{Vt}/√b, x_{t−1}') // 'C2 eⱽᵗ/√b, xₜ₋₁'`
 */
export function unicodeMath(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if ((c === '^' || c === '_') && text[i + 1] === '{') {
      const g = braced(text, i + 1);
      if (g) {
        const body = unicodeMath(g.body);
        const mapped = mapAll(body, c === '^' ? SUPERSCRIPT : SUBSCRIPT);
        out += mapped ?? `${c}(${body})`;
        i = g.end;
        continue;
      }
    }
    out += c;
    i++;
  }
  return out;
}

/** True when `text` still holds a TeX-style script group (`^{` or `_{`): what a reader must not see. */
export function hasTexScripts(text: string): boolean {
  return /[\^_]\{/.test(text);
}

/** The index after the `)` that closes the `(` at `open`, or -1 when it is not closed. */
function closingParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

// a script written without braces: a run of letters and digits (Greek included; not modifier
// letters such as ᵀ, which are scripts already: a_iᵀ is aᵢ transposed), or a signed decimal,
// e.g. m^ν, e^λt, a_min, K^-0.51
const TOKEN = /^(?:[−-]?\d+(?:\.\d+)?|[\p{Ll}\p{Lu}\p{Lo}\p{N}]+)/u;
// a subscript without brackets is only read as one after a lone letter (a_min, c_λ, D_B) or an
// operator name (sup_u), so that identifiers such as worker_threads or error_y are left alone
const LONE_LETTER_BEFORE = /(?:^|[^\p{L}\p{N}_])(?:\p{L}|sup|inf|max|min|lim)$/u;

/**
 * Text for what Plotly or an HTML page draws: `unicodeMath` first, then every script that has no
 * Unicode form written as `<sup>…</sup>` or `<sub>…</sub>` (Plotly renders both in titles, legends,
 * axis titles and annotations; the figure and report pages let them through their escaping), so a
 * reader sees no caret: `λ = m^ν` → `λ = m<sup>ν</sup>`, `C^(−τ)` → `C<sup>−τ</sup>`,
 * `e^{−Ãt}` → `e<sup>−Ãt</sup>`, `a_min` → `a<sub>min</sub>`, `∇f_{batch[m]}` → `∇f<sub>batch[m]</sub>`.
 * A subscript without brackets is recognised only after a lone letter (`a_min`, not `error_y`).
 *
 * @remarks Example (an internal helper, not in the package API): `htmlMath('CMP fit (λ = m^ν), a_min τ ≈ 0.2') // 'CMP fit (λ = m<sup>ν</sup>), a<sub>min</sub> τ ≈ 0.2'`
 */
export function htmlMath(text: string): string {
  const s = unicodeMath(text);
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '^' || c === '_') {
      const tag = c === '^' ? 'sup' : 'sub';
      if (s[i + 1] === '(') {
        const end = closingParen(s, i + 1);
        if (end > 0 && /[\p{L}\p{N})\]|!]$/u.test(out)) {
          out += `<${tag}>${htmlMath(s.slice(i + 2, end - 1))}</${tag}>`;
          i = end;
          continue;
        }
      } else {
        const token = TOKEN.exec(s.slice(i + 1));
        if (token && (c === '^' ? /[\p{L}\p{N})\]|!]$/u.test(out) : LONE_LETTER_BEFORE.test(out))) {
          out += `<${tag}>${token[0]}</${tag}>`;
          i += 1 + token[0].length;
          continue;
        }
      }
    }
    out += c;
    i++;
  }
  return out;
}

/** True when `text` shows a reader a caret or a TeX script group (what `htmlMath` output must not hold). */
export function hasRawScripts(text: string): boolean {
  return hasTexScripts(text) || /\^/.test(text);
}

/**
 * `s` HTML-escaped except for the `<sup>`, `<sub>` tags (without attributes) that `htmlMath` writes,
 * for text placed in a page's HTML (a caption, a report cell).
 */
export function escapeHtmlMath(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/&lt;(\/?)(sup|sub)&gt;/g, '<$1$2>');
}
