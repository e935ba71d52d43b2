-- pandoc converting many documents in one process (`pandoc lua pandoc_many.lua LIST OUT`), the strong
-- form of bench_build.py's anchor: no process start per document. LIST holds one line per document,
-- "PAGE<TAB>FOLDER": the HTML page and the folder its images are read from (as --resource-path does
-- for the one-process-per-document anchor). Each page becomes standalone JATS and an EPUB 3 with its
-- images, written into OUT; the CPU seconds of reading, of JATS and of EPUB (os.clock) are printed.
local list, out = arg[1], arg[2]
local jats_template = pandoc.template.compile(pandoc.template.default("jats"))
local spent = {read = 0, jats = 0, epub = 0}

local function timed(what, fn)
  local started = os.clock()
  local result = fn()
  spent[what] = spent[what] + os.clock() - started
  return result
end

local function save(path, bytes)
  local handle = assert(io.open(path, "wb"))
  handle:write(bytes)
  handle:close()
end

local count = 0
for line in io.lines(list) do
  local page, folder = line:match("^(.-)\t(.*)$")
  local stem = page:match("([^/]+)%.html$")
  local doc = timed("read", function()
    local handle = assert(io.open(page, "rb"))
    local html = handle:read("a")
    handle:close()
    return pandoc.read(html, "html")
  end)
  save(out .. "/" .. stem .. ".xml", timed("jats", function()
    return pandoc.write(doc, "jats", {template = jats_template})
  end))
  save(out .. "/" .. stem .. ".epub", timed("epub", function()
    pandoc.mediabag.empty()
    local filled = pandoc.system.with_working_directory(folder, function()
      return pandoc.mediabag.fill(doc)
    end)
    return pandoc.write(filled, "epub3")
  end))
  count = count + 1
end
print(string.format("documents %d read %.6f jats %.6f epub %.6f", count, spent.read, spent.jats, spent.epub))
