import { XMLParser } from 'fast-xml-parser';

/** WeChat's push messages are flat XML: <xml><ToUserName>…</ToUserName>…</xml>. Values stay strings. */
export type WechatXmlFields = Record<string, string>;

export class WechatXmlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WechatXmlError';
  }
}

const parser = new XMLParser({
  // MsgId is a 64-bit number: parsing it as a JS number would lose digits.
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreAttributes: true,
  processEntities: true,
  htmlEntities: false,
  trimValues: false,
});

/**
 * Parses a WeChat XML body into its top-level fields. Documents with a DOCTYPE or entity declarations are
 * refused (no entity expansion tricks); nested elements are ignored except as text.
 */
export function parseWechatXml(body: string): WechatXmlFields {
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new WechatXmlError('XML with a DOCTYPE is not accepted');
  let doc: unknown;
  try {
    doc = parser.parse(body, true);
  } catch (e) {
    throw new WechatXmlError(`malformed XML: ${(e as Error).message}`);
  }
  const root = (doc as { xml?: unknown } | undefined)?.xml;
  if (!root || typeof root !== 'object') throw new WechatXmlError('no <xml> root element');
  const fields: WechatXmlFields = {};
  for (const [k, v] of Object.entries(root as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[k] = String(v);
  }
  return fields;
}

/** A CDATA section that stays valid whatever the text contains ("]]>" is split across two sections). */
export function cdata(text: string): string {
  return `<![CDATA[${text.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
}

/** A passive text reply to the user who sent the message being answered. */
export function textReplyXml(r: { toUser: string; fromUser: string; createTime: number; content: string }): string {
  return (
    `<xml><ToUserName>${cdata(r.toUser)}</ToUserName><FromUserName>${cdata(r.fromUser)}</FromUserName>` +
    `<CreateTime>${r.createTime}</CreateTime><MsgType>${cdata('text')}</MsgType><Content>${cdata(r.content)}</Content></xml>`
  );
}

/** The safe-mode envelope around an encrypted reply. */
export function encryptedReplyXml(r: { encrypt: string; signature: string; timestamp: string; nonce: string }): string {
  return (
    `<xml><Encrypt>${cdata(r.encrypt)}</Encrypt><MsgSignature>${cdata(r.signature)}</MsgSignature>` +
    `<TimeStamp>${r.timestamp}</TimeStamp><Nonce>${cdata(r.nonce)}</Nonce></xml>`
  );
}
