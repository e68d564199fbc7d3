// Every check type the monitor form offers: one module each, registered here in the order shown.
import { dns } from './dns.jsx';
import { http } from './http.jsx';
import { ping } from './ping.jsx';
import { push } from './push.jsx';
import { tcp } from './tcp.jsx';

export const checkTypes = [http, tcp, dns, ping, push];

export const checkType = (type) => checkTypes.find((c) => c.type === type) || http;
