// The notification channels a monitor tells, with on_recovery and on_degraded per link; link and unlink.
import { useEffect, useState } from 'preact/hooks';
import { linkChannel, listChannels, listLinks, unlinkChannel, updateLink } from '../api/channels.js';
import { confirm } from './Confirm.jsx';

export function LinkedChannels({ monitorId, monitorName }) {
  const [links, setLinks] = useState(null);
  const [channels, setChannels] = useState([]);
  const [choice, setChoice] = useState('');
  const [onRecovery, setOnRecovery] = useState(true);
  const [onDegraded, setOnDegraded] = useState(false);
  const [error, setError] = useState(null);

  const load = () =>
    Promise.all([listLinks(monitorId), listChannels()])
      .then(([l, c]) => {
        setLinks(l);
        setChannels(c);
      })
      .catch((e) => setError(e.message));
  useEffect(() => {
    load();
  }, [monitorId]);

  const act = async (work) => {
    setError(null);
    try {
      await work();
      await load();
    } catch (e) {
      setError(e.message);
    }
  };
  const link = (event) => {
    event.preventDefault();
    if (!choice) return;
    act(async () => {
      await linkChannel(monitorId, choice, onRecovery, onDegraded);
      setChoice('');
    });
  };
  const unlink = async (channel) => {
    if (await confirm({ title: `Unlink ${channel.name}?`, message: `${channel.name} will no longer hear about ${monitorName}.`, action: 'Unlink' }))
      act(() => unlinkChannel(monitorId, channel.id));
  };

  if (!links) return error ? <p class="form-error" role="alert">{error}</p> : <p class="muted">Loading…</p>;
  const byId = new Map(channels.map((c) => [c.id, c]));
  const unlinked = channels.filter((c) => !links.some((l) => l.channel_id === c.id));

  return (
    <div class="linked">
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {links.length === 0 ? (
        <p class="muted">No channel is told about this monitor yet.</p>
      ) : (
        <ul class="plain link-list" data-testid="linked-channels">
          {links.map((l) => {
            const c = byId.get(l.channel_id) || { id: l.channel_id, name: l.channel_id, config: { type: '?' } };
            return (
              <li key={l.id}>
                <span>
                  <strong>{c.name}</strong> <span class="muted">{c.config.type}</span>
                </span>
                <span class="check inline">
                  <input
                    type="checkbox"
                    id={`rec-${l.id}`}
                    checked={l.on_recovery}
                    onChange={(e) => act(() => updateLink(monitorId, c.id, { on_recovery: e.currentTarget.checked }))}
                  />
                  <label for={`rec-${l.id}`}>Also on recovery</label>
                </span>
                <span class="check inline">
                  <input
                    type="checkbox"
                    id={`deg-${l.id}`}
                    checked={l.on_degraded}
                    onChange={(e) => act(() => updateLink(monitorId, c.id, { on_degraded: e.currentTarget.checked }))}
                  />
                  <label for={`deg-${l.id}`}>When degraded</label>
                </span>
                <button type="button" class="small" onClick={() => unlink(c)}>
                  Unlink<span class="visually-hidden"> {c.name}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {channels.length === 0 ? (
        <p>
          There are no notification channels yet. <a href="/channels">Create one</a>, then link it here.
        </p>
      ) : unlinked.length > 0 ? (
        <form class="link-form" onSubmit={link}>
          <label for="link-channel">Channel</label>
          <select id="link-channel" value={choice} onChange={(e) => setChoice(e.currentTarget.value)}>
            <option value="">Choose a channel…</option>
            {unlinked.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.config.type})
              </option>
            ))}
          </select>
          <span class="check inline">
            <input type="checkbox" id="link-recovery" checked={onRecovery} onChange={(e) => setOnRecovery(e.currentTarget.checked)} />
            <label for="link-recovery">Also on recovery</label>
          </span>
          <span class="check inline">
            <input type="checkbox" id="link-degraded" checked={onDegraded} onChange={(e) => setOnDegraded(e.currentTarget.checked)} />
            <label for="link-degraded">When degraded</label>
          </span>
          <button type="submit" disabled={!choice}>
            Link channel
          </button>
        </form>
      ) : null}
    </div>
  );
}
