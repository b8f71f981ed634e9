--[[
crossref.lua: Quarto-style numbering of tables and figures for the pandoc fallback renderer.

Quarto numbers `: caption {#tbl-x}` tables and `![caption](path){#fig-x}` figures and resolves
`@tbl-x` / `@fig-x`; plain pandoc reads those references as citations. This filter:
  * numbers tables and figures with an id `tbl-…` / `fig-…` in document order, starting at the
    document's `crossref-start: {tbl: N, fig: M}` (default 1), and prefixes the caption with
    "Tabel N: " / "Figuur M: " (labels from `crossref-labels`, default Dutch);
  * replaces each citation of such an id with a link "Tabel N" / "Figuur M";
  * moves a figure image's `fig-alt` attribute to `alt` (the text a screen reader reads), and in
    the Typst output writes the image with that alt text (pandoc's Typst writer drops it);
  * resolves `@sec-…` to a link with the section's title.
An unknown reference is left visible as "??id" and reported on stderr, as Quarto does.
]]

local numbers = {}
local labels = { tbl = "Tabel", fig = "Figuur" }

local function start_value(meta, kind)
  local start = meta["crossref-start"]
  if start and start[kind] then
    return tonumber(pandoc.utils.stringify(start[kind])) or 1
  end
  return 1
end

local function prefix_caption(caption, text)
  local long = caption.long
  if #long == 0 then
    caption.long = { pandoc.Plain({ pandoc.Str(text) }) }
  else
    local first = long[1]
    if first.content then
      local inlines = pandoc.Inlines({ pandoc.Str(text .. ":"), pandoc.Space() })
      inlines:extend(first.content)
      first.content = inlines
    end
  end
  return caption
end

function Pandoc(doc)
  local custom = doc.meta["crossref-labels"]
  if custom then
    for kind, value in pairs(custom) do
      labels[kind] = pandoc.utils.stringify(value)
    end
  end
  local next_number = { tbl = start_value(doc.meta, "tbl"), fig = start_value(doc.meta, "fig") }

  local function number(el, kind)
    local id = el.identifier or (el.attr and el.attr.identifier) or ""
    if id:sub(1, #kind + 1) ~= kind .. "-" then
      return nil
    end
    local n = next_number[kind]
    next_number[kind] = n + 1
    numbers[id] = labels[kind] .. " " .. tostring(n)
    el.caption = prefix_caption(el.caption, numbers[id])
    return el
  end

  local sections = {}
  doc.blocks:walk({
    Header = function(h)
      if h.identifier:match("^sec%-") then sections[h.identifier] = pandoc.utils.stringify(h.content) end
    end,
  })

  local function typst_image(img)
    local alt = img.attributes["alt"] or pandoc.utils.stringify(img.caption)
    alt = alt:gsub("\\", "\\\\"):gsub('"', '\\"')
    local src = img.src:gsub('"', '\\"')
    return pandoc.RawInline("typst", '#image("' .. src .. '", width: 100%, alt: "' .. alt .. '")')
  end

  doc.blocks = doc.blocks:walk({
    traverse = "topdown",
    Table = function(el) return number(el, "tbl") end,
    Figure = function(el)
      local out = number(el, "fig")
      el = out or el
      el.content = el.content:walk({
        Image = function(img)
          local alt = img.attributes["fig-alt"]
          if alt then
            img.attributes["fig-alt"] = nil
            img.attributes["alt"] = alt
          end
          if FORMAT:match("typst") then
            return typst_image(img)
          end
          return img
        end,
      })
      return el
    end,
  })

  doc.blocks = doc.blocks:walk({
    Cite = function(cite)
      local id = cite.citations[1].id
      if id:match("^sec%-") and sections[id] then
        return pandoc.Link({ pandoc.Str("paragraaf ‘" .. sections[id] .. "’") }, "#" .. id)
      end
      if id:match("^tbl%-") or id:match("^fig%-") then
        local text = numbers[id]
        if text == nil then
          io.stderr:write("crossref.lua: onbekende verwijzing @" .. id .. "\n")
          return pandoc.Strong({ pandoc.Str("??" .. id) })
        end
        return pandoc.Link({ pandoc.Str(text) }, "#" .. id)
      end
      return nil
    end,
  })
  return doc
end
