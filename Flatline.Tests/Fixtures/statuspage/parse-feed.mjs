// Parses an Atom feed file with feedparser (strict) and prints what it read as one JSON line:
// {"title", "link", "entries": [{"id", "title", "updated", "link", "categories", "text"}]}.
import { createReadStream } from 'node:fs';
import FeedParser from 'feedparser';

const parser = new FeedParser({ strict: true, addmeta: false });
const entries = [];
let meta = null;
parser.on('error', (error) => { console.error(String(error)); process.exit(1); });
parser.on('meta', (m) => { meta = m; });
parser.on('readable', function () {
  let item;
  while ((item = this.read())) {
    entries.push({ id: item.guid, title: item.title, updated: item.date?.toISOString(), link: item.link, categories: item.categories, text: item.description ?? item.summary });
  }
});
parser.on('end', () => {
  console.log(JSON.stringify({ type: meta?.['#type'], title: meta?.title, link: meta?.link, entries }));
});
createReadStream(process.argv[2]).pipe(parser);
