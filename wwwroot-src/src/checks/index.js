// Every check type the monitor form offers: one module each, registered here in the order shown.
import { dns } from './dns.jsx';
import { http } from './http.jsx';
import { tcp } from './tcp.jsx';

export const checkTypes = [http, tcp, dns];

export const checkType = (type) => checkTypes.find((c) => c.type === type) || http;
