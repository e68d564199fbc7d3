// Status pages: the list, and one page's editor (settings, sections with a monitor picker) with its
// announcements and their updates. The public page itself is rendered by the server.
import { useEffect, useState } from 'preact/hooks';
import { addUpdate, createAnnouncement, createPage, deleteAnnouncement, deletePage, getPage, listAnnouncements, listPages, updatePage } from '../api/statusPages.js';
import { confirm } from '../components/Confirm.jsx';
import { Check, Field, errorFor } from '../components/Field.jsx';
import { dateTime } from '../components/format.js';
import { navigate } from '../router.js';
import { entries } from '../state.js';

const SEVERITIES = ['info', 'minor', 'major', 'maintenance'];
const STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'];

export function StatusPages() {
  const [pages, setPages] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    listPages().then(setPages, (e) => setError(e.message));
  }, []);
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Status pages</h1>
        <a class="button primary" href="/status-pages/new">
          New status page
        </a>
      </div>
      {error && <p class="form-error" role="alert">{error}</p>}
      {pages && !pages.length && <p class="card empty">No status pages yet. A page shows the monitors you choose to your users, with their uptime and your announcements.</p>}
      {pages && pages.length > 0 && (
        <ul class="plain">
          {pages.map((p) => (
            <li class="card" key={p.id} data-page={p.slug}>
              <div class="section-head">
                <h2>
                  <a href={`/status-pages/${p.id}`}>{p.title}</a>
                </h2>
                <a href={p.url} target="_blank" rel="noopener">
                  Open {p.url}
                </a>
              </div>
              <p class="muted">
                {p.sections.reduce((n, s) => n + s.monitors.length, 0)} monitors in {p.sections.length} sections
                {p.custom_domain ? ` · ${p.custom_domain}` : ''}
                {p.has_password ? ' · password' : ''}
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** The monitors to choose from, by name. */
function monitorList() {
  return [...entries.value.values()].map((e) => e.monitor.value).sort((a, b) => a.name.localeCompare(b.name));
}

function Section({ index, section, onChange, onRemove, errors }) {
  const monitors = monitorList();
  const toggle = (id, on) => onChange({ ...section, monitors: on ? [...section.monitors, id] : section.monitors.filter((m) => m !== id) });
  return (
    <fieldset class="section-edit">
      <legend>Section {index + 1}</legend>
      <Field id={`section-${index}-name`} label="Section name" error={errorFor(errors, `sections[${index}].name`)}>
        <input value={section.name} onInput={(e) => onChange({ ...section, name: e.currentTarget.value })} placeholder="Core services" />
      </Field>
      <fieldset>
        <legend>Monitors in this section</legend>
        {!monitors.length && <p class="muted">No monitors yet.</p>}
        {monitors.map((m) => (
          <Check key={m.id} id={`section-${index}-m-${m.id}`} label={m.name} checked={section.monitors.includes(m.id)} onChange={(on) => toggle(m.id, on)} />
        ))}
        {errorFor(errors, `sections[${index}].monitors`) && <small class="field-error">{errorFor(errors, `sections[${index}].monitors`)}</small>}
      </fieldset>
      <button type="button" class="small danger" onClick={onRemove}>
        Remove section {index + 1}
      </button>
    </fieldset>
  );
}

export function StatusPageForm({ id }) {
  const isNew = !id;
  const [form, setForm] = useState(isNew ? { slug: '', title: '', description: '', footer: '', logo_url: '', custom_domain: '', show_urls: false, sections: [{ name: 'Services', monitors: [] }] } : null);
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  const [page, setPage] = useState(null);
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (isNew) return;
    getPage(id).then(
      (p) => {
        setPage(p);
        setForm({ ...p, description: p.description || '', footer: p.footer || '', logo_url: p.logo_url || '', custom_domain: p.custom_domain || '' });
      },
      (e) => setMessage(e.message),
    );
  }, [id]);

  if (!form) return <p class="loading">{message || 'Loading…'}</p>;
  const set = (key) => (e) => setForm({ ...form, [key]: e.currentTarget.value });

  const submit = async (event) => {
    event.preventDefault();
    setMessage(null);
    setSaved(false);
    const body = {
      slug: form.slug.trim(),
      title: form.title,
      description: form.description || null,
      footer: form.footer || null,
      logo_url: form.logo_url.trim() || null,
      custom_domain: form.custom_domain.trim() || null,
      show_urls: form.show_urls,
      sections: form.sections,
    };
    if (password) body.password = password;
    else if (removePassword) body.password = null;
    try {
      const result = isNew ? await createPage(body) : await updatePage(id, body);
      setErrors({});
      setPassword('');
      setRemovePassword(false);
      if (isNew) navigate(`/status-pages/${result.id}`);
      else {
        setPage(result);
        setSaved(true);
      }
    } catch (e) {
      setErrors(e.errors);
      setMessage(Object.keys(e.errors).length ? 'Some fields need attention.' : e.message);
    }
  };

  const remove = async () => {
    if (!(await confirm({ title: `Delete ${page.title}?`, message: 'The public page and its announcements go for good.' }))) return;
    await deletePage(id);
    navigate('/status-pages');
  };

  return (
    <>
      <p class="crumbs">
        <a href="/status-pages">Status pages</a>
      </p>
      <div class="page-head">
        <h1 tabIndex={-1}>{isNew ? 'New status page' : `Edit ${page.title}`}</h1>
        {page && (
          <a href={page.url} target="_blank" rel="noopener">
            Open the public page
          </a>
        )}
      </div>
      <form class="card" onSubmit={submit} noValidate aria-label="Status page">
        {message && <p class="form-error" role="alert">{message}</p>}
        {saved && <p class="notice" role="status">Saved.</p>}
        <div class="grid-2">
          <Field id="sp-slug" label="Slug" hint="The page's address: /status/slug" error={errorFor(errors, 'slug')}>
            <input value={form.slug} onInput={set('slug')} placeholder="acme" autoComplete="off" spellcheck={false} />
          </Field>
          <Field id="sp-title" label="Title" error={errorFor(errors, 'title')}>
            <input value={form.title} onInput={set('title')} placeholder="Acme status" autoComplete="off" />
          </Field>
        </div>
        <Field id="sp-description" label="Description (optional)" error={errorFor(errors, 'description')}>
          <textarea value={form.description} onInput={set('description')} rows={2} />
        </Field>
        <div class="grid-2">
          <Field id="sp-domain" label="Custom domain (optional)" hint="Point it at Flatline; / on that host shows this page." error={errorFor(errors, 'custom_domain')}>
            <input value={form.custom_domain} onInput={set('custom_domain')} placeholder="status.example.com" autoComplete="off" spellcheck={false} />
          </Field>
          <Field id="sp-logo" label="Logo (optional)" hint="A path on this server, or a data:image URL: the page loads nothing from another host." error={errorFor(errors, 'logo_url')}>
            <input value={form.logo_url} onInput={set('logo_url')} placeholder="/logo.png" autoComplete="off" spellcheck={false} />
          </Field>
        </div>
        <Field id="sp-footer" label="Footer (optional)" error={errorFor(errors, 'footer')}>
          <input value={form.footer} onInput={set('footer')} autoComplete="off" />
        </Field>
        <Check id="sp-urls" label="Show the monitors' URLs on the page" checked={form.show_urls} onChange={(on) => setForm({ ...form, show_urls: on })} />
        <Field id="sp-password" label={page?.has_password ? 'New password (optional)' : 'Password (optional)'} hint={page?.has_password ? 'The page has a password; leave this empty to keep it.' : 'Visitors must enter it to see the page.'} error={errorFor(errors, 'password')}>
          <input type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autoComplete="new-password" />
        </Field>
        {page?.has_password && <Check id="sp-nopassword" label="Remove the password" checked={removePassword} onChange={setRemovePassword} />}
        <h2>Sections</h2>
        {errorFor(errors, 'sections') && !form.sections.length && <p class="field-error">{errorFor(errors, 'sections')}</p>}
        {form.sections.map((section, i) => (
          <Section
            key={i}
            index={i}
            section={section}
            errors={errors}
            onChange={(s) => setForm({ ...form, sections: form.sections.map((x, j) => (j === i ? s : x)) })}
            onRemove={() => setForm({ ...form, sections: form.sections.filter((_, j) => j !== i) })}
          />
        ))}
        <button type="button" onClick={() => setForm({ ...form, sections: [...form.sections, { name: '', monitors: [] }] })}>
          Add a section
        </button>
        <div class="actions">
          {page && (
            <button type="button" class="danger" onClick={remove}>
              Delete page
            </button>
          )}
          <button type="submit" class="primary">
            {isNew ? 'Create status page' : 'Save status page'}
          </button>
        </div>
      </form>
      {page && <Announcements pageId={page.id} />}
    </>
  );
}

function Announcements({ pageId }) {
  const [list, setList] = useState(null);
  const [draft, setDraft] = useState({ title: '', severity: 'minor', status: 'investigating', message: '' });
  const [errors, setErrors] = useState({});
  const load = () => listAnnouncements(pageId).then(setList, () => setList([]));
  useEffect(() => {
    load();
  }, [pageId]);

  const submit = async (event) => {
    event.preventDefault();
    try {
      await createAnnouncement(pageId, { title: draft.title, severity: draft.severity, updates: [{ status: draft.status, message: draft.message }] });
      setDraft({ title: '', severity: 'minor', status: 'investigating', message: '' });
      setErrors({});
      load();
    } catch (e) {
      setErrors(e.errors);
    }
  };

  return (
    <section class="card" aria-labelledby="announcements">
      <h2 id="announcements">Announcements</h2>
      <form onSubmit={submit} noValidate aria-label="New announcement">
        <div class="grid-2">
          <Field id="an-title" label="Title" error={errorFor(errors, 'title')}>
            <input value={draft.title} onInput={(e) => setDraft({ ...draft, title: e.currentTarget.value })} placeholder="Slow logins" />
          </Field>
          <Field id="an-severity" label="Severity" error={errorFor(errors, 'severity')}>
            <select value={draft.severity} onChange={(e) => setDraft({ ...draft, severity: e.currentTarget.value })}>
              {SEVERITIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </Field>
        </div>
        <UpdateFields prefix="an" draft={draft} setDraft={setDraft} errors={errors} errorPrefix="updates[0]." />
        <div class="actions">
          <button type="submit" class="primary">
            Post announcement
          </button>
        </div>
      </form>
      {list?.map((a) => (
        <Announcement key={a.id} pageId={pageId} announcement={a} onChanged={load} />
      ))}
    </section>
  );
}

function UpdateFields({ prefix, draft, setDraft, errors, errorPrefix = '' }) {
  return (
    <div class="grid-2">
      <Field id={`${prefix}-status`} label="Status" error={errorFor(errors, `${errorPrefix}status`)}>
        <select value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}>
          {STATUSES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </Field>
      <Field id={`${prefix}-message`} label="Message" error={errorFor(errors, `${errorPrefix}message`)}>
        <textarea value={draft.message} onInput={(e) => setDraft({ ...draft, message: e.currentTarget.value })} rows={2} />
      </Field>
    </div>
  );
}

function Announcement({ pageId, announcement, onChanged }) {
  const [draft, setDraft] = useState({ status: 'monitoring', message: '' });
  const [errors, setErrors] = useState({});
  const prefix = `up-${announcement.id}`;
  const submit = async (event) => {
    event.preventDefault();
    try {
      await addUpdate(pageId, announcement.id, draft);
      setDraft({ status: 'resolved', message: '' });
      setErrors({});
      onChanged();
    } catch (e) {
      setErrors(e.errors);
    }
  };
  const remove = async () => {
    if (!(await confirm({ title: `Delete “${announcement.title}”?`, message: 'It leaves the page and its history.' }))) return;
    await deleteAnnouncement(pageId, announcement.id);
    onChanged();
  };
  return (
    <article class="announcement" data-announcement={announcement.title}>
      <h3>
        {announcement.title} <span class="muted">({announcement.severity}{announcement.resolved ? ', resolved' : ''})</span>
      </h3>
      <ol class="timeline">
        {announcement.updates.map((u) => (
          <li key={u.id}>
            <strong>{u.status}</strong> <span class="muted">{dateTime(u.at)}</span> — {u.message}
          </li>
        ))}
      </ol>
      <form onSubmit={submit} noValidate aria-label={`Update ${announcement.title}`}>
        <UpdateFields prefix={prefix} draft={draft} setDraft={setDraft} errors={errors} />
        <div class="actions">
          <button type="button" class="small danger" onClick={remove}>
            Delete
          </button>
          <button type="submit" class="small">
            Add update
          </button>
        </div>
      </form>
    </article>
  );
}
