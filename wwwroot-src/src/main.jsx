import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import './styles.css';

// Placeholder until the real UI lands: shows that the embedded app loads and the server is healthy.
function App() {
  const [health, setHealth] = useState('checking…');
  useEffect(() => {
    fetch('/healthz')
      .then((r) => r.json())
      .then((body) => setHealth(body.status === 'ok' ? 'healthy' : `unavailable: ${body.reason}`))
      .catch(() => setHealth('unreachable'));
  }, []);
  return (
    <main>
      <h1>Flatline</h1>
      <p>
        Server: <strong data-testid="health">{health}</strong>
      </p>
    </main>
  );
}

render(<App />, document.getElementById('app'));
