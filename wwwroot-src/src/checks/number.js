/** A number when the text is one, else the text as typed, so that the server names what is wrong with it. */
export const number = (text) => (text.trim() !== '' && !Number.isNaN(Number(text)) ? Number(text) : text);
