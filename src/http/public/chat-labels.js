/*
 * The web chat page's own fixed labels, in Chinese and English (chat.js reads them). The bot's messages arrive
 * already translated by the server; only the page's buttons, placeholder and status lines are here.
 */
window.CanbaoChatLabels = {
  zh: {
    title: '全民参保登记',
    newChat: '重新开始',
    confirmNewChat: '要结束这次对话，重新开始吗？',
    inputLabel: '输入您的回复',
    placeholder: '在这里输入，然后点发送',
    send: '发送',
    retry: '重试',
    bot: '参保助手：',
    you: '我：',
    empty: '请先输入内容，再点发送。',
    network: '网络连接失败，消息没有发出。请检查网络后再点“发送”。',
    rateLimited: '发得太快了，请等一分钟再发送。',
    badRequest: '这条消息发不出去，请改短一点再试。',
    serverError: '系统暂时有问题，消息没有发出。请稍后再点“发送”。',
    sessionLost: '对话已过期，已为您重新开始。请再发送一次。',
    startFailed: '暂时连不上服务，请检查网络后点“重试”。',
    reconnecting: '连接中断，正在重新连接…',
  },
  en: {
    title: 'Social insurance registration',
    newChat: 'Start over',
    confirmNewChat: 'End this conversation and start again?',
    inputLabel: 'Type your reply',
    placeholder: 'Type your reply',
    send: 'Send',
    retry: 'Try again',
    bot: 'Assistant: ',
    you: 'Me: ',
    empty: 'Please type something first, then tap Send.',
    network: 'No connection: your message was not sent. Check your network, then tap Send again.',
    rateLimited: 'Too many messages. Please wait a minute, then send again.',
    badRequest: 'This message cannot be sent. Please make it shorter and try again.',
    serverError: 'Something went wrong on our side; your message was not sent. Please tap Send again later.',
    sessionLost: 'This conversation had expired, so a new one has started. Please send your message again.',
    startFailed: 'Cannot reach the service. Check your network, then tap Try again.',
    reconnecting: 'Connection lost, reconnecting…',
  },
};
