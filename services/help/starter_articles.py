"""The help centre's starter set, in Chinese and English: one entry per slug, the same slug in both locales.

Data only (services.help.seeding stores it). Written for a wallet customer: what to do, what it costs,
what to check when something goes wrong. Amounts are examples; the app shows the real fee and limits.
"""

from __future__ import annotations

STARTER_ARTICLES: tuple[dict[str, object], ...] = (
    {
        "slug": "top-up", "kind": "ARTICLE", "category": "TOP_UP",
        "zh-CN": ("如何给钱包充值",
                  "在钱包首页点击“充值”，选择已绑定的银行卡或银行账户，输入金额并确认即可。"
                  "充值通常即时到账；若银行处理较慢，最长可能需要一个工作日。"
                  "首次充值前请先完成实名认证，并确认银行卡的持卡人姓名与钱包实名一致。"
                  "如果充值失败，资金不会被扣除；若银行已扣款但钱包未到账，请保留银行流水并联系客服。"),
        "en": ("How to top up your wallet",
               "Open your wallet and tap Top up, choose a linked bank card or bank account, enter the amount and"
               " confirm. Most top-ups arrive instantly; if your bank is slow it can take up to one business day."
               " Verify your identity before your first top-up, and make sure the card holder's name matches the"
               " name on your wallet. A failed top-up never takes your money; if your bank charged you but the"
               " wallet shows nothing, keep the bank statement line and contact support."),
    },
    {
        "slug": "transfer", "kind": "ARTICLE", "category": "TRANSFER",
        "zh-CN": ("如何转账给他人",
                  "点击“转账”，输入对方的钱包账号或扫描对方的收款码，填写金额和备注后确认。"
                  "钱包之间的转账实时到账，转出前会显示手续费和扣款总额。"
                  "转账一经完成无法撤回，请仔细核对收款人姓名。"
                  "如果转错了人，请立即联系收款人协商退回，并联系客服协助处理。"),
        "en": ("How to transfer money to someone",
               "Tap Transfer, enter the other person's wallet number or scan their receive code, add the amount"
               " and a note, then confirm. Transfers between wallets arrive in real time, and the fee and the"
               " total debit are shown before you confirm. A completed transfer cannot be cancelled, so check the"
               " recipient's name carefully. If you sent money to the wrong person, ask them to send it back and"
               " contact support for help."),
    },
    {
        "slug": "fees", "kind": "ARTICLE", "category": "FEES",
        "zh-CN": ("手续费说明",
                  "充值和钱包之间的转账在大多数情况下免费；提现到银行卡、跨境转账和外币兑换可能收取手续费。"
                  "每笔交易在确认前都会显示手续费金额，您实际支付的就是显示的金额，不会额外收费。"
                  "部分合作方每月提供若干笔免费提现，具体以应用内显示为准。"),
        "en": ("Fees explained",
               "Top-ups and transfers between wallets are free in most cases; withdrawals to a bank card,"
               " cross-border transfers and currency exchange may carry a fee. Every transaction shows its fee"
               " before you confirm, and what you see is exactly what you pay, never more. Some apps include a"
               " number of free withdrawals each month: the app shows how many you have left."),
    },
    {
        "slug": "limits", "kind": "ARTICLE", "category": "LIMITS",
        "zh-CN": ("交易限额与余额上限",
                  "钱包的单笔、每日、每月和年度限额取决于您的实名认证等级。"
                  "未完成认证的账户限额较低；完成身份认证后限额会提高。"
                  "超过限额的交易会被拒绝，页面会提示是哪一项限额以及剩余额度。"
                  "每日限额在当地时间午夜重置。"),
        "en": ("Transaction limits and balance caps",
               "Your wallet's single, daily, monthly and yearly limits depend on your identity verification"
               " level. Unverified wallets have low limits; verifying your identity raises them. A payment above a"
               " limit is declined, and the message tells you which limit applies and how much remains. Daily"
               " limits reset at local midnight."),
    },
    {
        "slug": "kyc", "kind": "ARTICLE", "category": "KYC",
        "zh-CN": ("实名认证（KYC）",
                  "按照监管要求，使用钱包需要完成实名认证。请准备本人有效身份证件，按提示拍摄证件正反面并完成人脸识别。"
                  "审核通常在几分钟内完成，最长不超过两个工作日。"
                  "如果审核需要补充材料，您会收到通知，请按要求重新提交。您的证件信息会加密保存。"),
        "en": ("Identity verification (KYC)",
               "Regulations require us to verify who you are before you use your wallet fully. Have your own valid"
               " ID document ready, photograph both sides when asked and complete the face check. Most checks"
               " finish within minutes and never take more than two business days. If we need more information"
               " you will be notified; submit again as asked. Your ID details are stored encrypted."),
    },
    {
        "slug": "qr-payments", "kind": "ARTICLE", "category": "QR_PAYMENTS",
        "zh-CN": ("扫码支付",
                  "在商户付款时，点击“扫一扫”扫描商户的收款二维码，核对商户名称和金额后确认支付。"
                  "您也可以打开“付款码”让收银员扫描。付款码每分钟自动刷新，请勿截图或发送给他人。"
                  "支付成功后商户会立即收到款项；如需退款，请联系商户发起。"),
        "en": ("Paying with a QR code",
               "At a shop, tap Scan and point your camera at the merchant's QR code, check the merchant's name and"
               " the amount, then confirm. You can also open your payment code for the cashier to scan. The code"
               " refreshes every minute: never share a screenshot of it. The merchant is paid immediately; for a"
               " refund, ask the merchant to issue it."),
    },
    {
        "slug": "lost-phone", "kind": "ARTICLE", "category": "SECURITY",
        "zh-CN": ("手机丢失怎么办",
                  "如果手机丢失或被盗，请立即联系客服冻结钱包，冻结后任何人都无法使用您的余额。"
                  "同时请联系运营商挂失手机号，并修改与钱包关联的邮箱密码。"
                  "找回手机或换新手机后，完成身份验证即可解冻钱包，余额不会受到影响。"),
        "en": ("Lost or stolen phone",
               "If your phone is lost or stolen, contact support straight away to freeze your wallet: once frozen,"
               " nobody can spend your balance. Also ask your mobile operator to block your SIM and change the"
               " password of the e-mail linked to your wallet. When you have your phone back or a new one, verify"
               " your identity and we unfreeze the wallet; your balance is untouched."),
    },
    {
        "slug": "faq-transfer-arrival", "kind": "FAQ", "category": "TRANSFER",
        "zh-CN": ("转账多久到账？",
                  "钱包之间的转账实时到账。提现到银行卡一般在两小时内到账，节假日可能顺延。"),
        "en": ("How long does a transfer take?",
               "Transfers between wallets arrive instantly. Withdrawals to a bank card usually arrive within two"
               " hours, later on bank holidays."),
    },
    {
        "slug": "faq-payment-declined", "kind": "FAQ", "category": "LIMITS",
        "zh-CN": ("为什么我的付款被拒绝？",
                  "常见原因是可用余额不足、超过交易限额或钱包已被冻结。付款失败时不会扣款，页面会显示具体原因。"),
        "en": ("Why was my payment declined?",
               "The usual reasons are not enough available balance, a limit reached, or a frozen wallet. A"
               " declined payment takes no money, and the message says why."),
    },
)
