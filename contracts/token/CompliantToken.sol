// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {IHolderRegistry} from "../interfaces/IHolderRegistry.sol";
import {RuleCodes} from "../interfaces/RuleCodes.sol";
import {LegalOrderGovernance, TermsBound} from "../legal/TermsBound.sol";

/**
 * @title CompliantToken
 * @notice An ERC-20 token issued through an HTP resident under Decree No. 8, with every transfer
 * restriction checked in one place ({_update}) and reported through ERC-1404
 * ({detectTransferRestriction}, {messageForTransferRestriction}) with the codes of {RuleCodes}.
 *
 * What it enforces, in this order (a transfer reverts with `TransferRestricted` naming the first rule
 * that fails, and {detectTransferRestriction} returns the same code):
 * 1. OVERSIGHT-PAUSE: nothing moves while the oversight role has paused the token (forced transfers excepted);
 * 2. SUPPLY-CAP: issuance never takes the total supply above the immutable cap;
 * 3. ILLICIT-ADDRESS: no party is on the registry's illicit-address register;
 * 4. HOLDER-IDENTIFIED: every party has a valid attestation in the holder registry;
 * 5. HOLDER-ELIGIBLE: every party is eligible (not a minor, not from a prohibited jurisdiction, individuals
 *    passed the competence test);
 * 6. TERMS-ACCEPTED: the receiver accepted the current terms version (TERMS-BOUND: amending the terms makes
 *    earlier acceptances stale);
 * 7. LEGAL-ORDER: neither party is frozen and the sender does not spend a frozen amount;
 * 8. P2P-SALE: a transfer between two different individuals either states a non-sale purpose (gift,
 *    inheritance, own wallet) or is made by an identified, eligible, unblocked Operator-type holder acting
 *    as spender ({transferFrom}); a transfer to or from an operator needs neither.
 * 9. FOREIGN-PLATFORM (after P2P-SALE; the two never meet, as P2P-SALE needs an individual receiver and
 *    FOREIGN-PLATFORM an operator; the jurisdictions are read only on this path): a transfer from an individual attested in `BY` to an Operator-type holder
 *    attested in another jurisdiction needs a stated non-sale purpose (Decree No. 367: no sale of tokens on
 *    foreign platforms);
 * 10. the project's own rule, if a derived contract overrides {_projectRestriction} (codes 64-127).
 * ISSUER-HTP: the issuer's HTP registration reference is immutable and only the placement agent issues.
 * LEGAL-ORDER: freezes and forced transfers are made only by the legal-order role and carry the order's
 * reference. The admin cannot grant that role nor hold it ({LegalOrderGovernance}): the legal-order authority
 * appoints its executors, and the admin changes only in two steps with a delay. A registered escrow
 * ({registerEscrow}) is never frozen nor forced to transfer: orders against escrowed funds are executed on the
 * escrow, against the deal or the party's credit (`freezeDeal`, `directFunds`, `directCredit`), so the
 * escrow always holds what it owes.
 * RECORDS: every legally significant change emits an event from which the state can be rebuilt
 * (balances from `Transfer`, freezes from `AddressFrozen`/`AddressUnfrozen`/`TokensFrozen`/`TokensUnfrozen`,
 * terms from `TermsPublished`/`TermsAccepted`, pause from `Paused`/`Unpaused`, roles from `RoleGranted`/
 * `RoleRevoked`/`DefaultAdminTransfer*`, escrows from `EscrowRegistered`).
 *
 * Extension points for projects (OpenZeppelin 5 style): override {_update} (call `super._update`) to act on
 * every movement, including issuance and forced transfers; override {_projectRestriction} to add a rule,
 * reported with a code from `RuleCodes.PROJECT_MIN` to `RuleCodes.PROJECT_MAX` by {detectTransferRestriction}
 * and enforced by the same `TransferRestricted` revert, and {_projectRestrictionMessage} for its text.
 *
 * What it does not enforce: it cannot tell whether a transfer is in fact a sale for money (the purpose is
 * the sender's statement, recorded for audit), whether a token is used as payment (NOT-PAYMENT), or
 * whether the off-chain KYC behind an attestation is true. Approvals are not restricted: the restrictions
 * apply when tokens move. Tokens cannot be burnt. The sender's own acceptance of the terms is not checked
 * again when it sends; acceptance is required to receive.
 */
contract CompliantToken is ERC20, LegalOrderGovernance, Pausable, TermsBound {
    /// @notice Role of the HTP resident's placement agent: the only issuer (ISSUER-HTP).
    bytes32 public constant PLACEMENT_AGENT_ROLE = keccak256("PLACEMENT_AGENT_ROLE");
    /// @notice Role that pauses and unpauses the token (OVERSIGHT-PAUSE).
    bytes32 public constant OVERSIGHT_ROLE = keccak256("OVERSIGHT_ROLE");
    /// @notice Role that publishes amended terms (TERMS-BOUND).
    bytes32 public constant TERMS_ADMIN_ROLE = keccak256("TERMS_ADMIN_ROLE");

    /// @notice No purpose stated (a sale is not excluded).
    uint8 public constant PURPOSE_NONE = 0;
    /// @notice The transfer is a gift.
    uint8 public constant PURPOSE_GIFT = 1;
    /// @notice The transfer passes an inheritance.
    uint8 public constant PURPOSE_INHERITANCE = 2;
    /// @notice The transfer moves tokens between wallets of the same person.
    uint8 public constant PURPOSE_OWN_WALLET = 3;

    /// @dev Freeze state of one holder, packed in one slot: a whole-address freeze and a frozen amount.
    struct FreezeState {
        bool whole;
        uint248 amount;
    }

    bytes2 private constant _BELARUS = "BY";

    bytes32 private immutable _issuerRegistration;
    IHolderRegistry private immutable _registry;
    uint256 private immutable _cap;
    mapping(address holder => FreezeState) private _freezes;
    mapping(address escrow => bytes32 ref) private _escrows;
    /// @dev The purpose of the transfer in progress, set by the `...WithPurpose` functions for {_update}.
    uint8 private transient _purpose;
    /// @dev Set by {forcedTransfer} for its {_update}: a legal order skips the transfer rules.
    bool private transient _forced;

    /// @notice `from` stated `purpose` for its transfer of `value` tokens to `to`.
    event TransferPurposeStated(address indexed from, address indexed to, uint256 value, uint8 purpose);
    /// @notice `holder` was frozen as a whole (cannot send or receive) under legal order `orderRef`.
    event AddressFrozen(address indexed holder, bytes32 orderRef, address indexed by);
    /// @notice The whole-address freeze of `holder` was lifted under legal order `orderRef`.
    event AddressUnfrozen(address indexed holder, bytes32 orderRef, address indexed by);
    /// @notice `amount` more tokens of `holder` were frozen under legal order `orderRef`.
    event TokensFrozen(address indexed holder, uint256 amount, bytes32 orderRef, address indexed by);
    /// @notice `amount` frozen tokens of `holder` were released under legal order `orderRef`.
    event TokensUnfrozen(address indexed holder, uint256 amount, bytes32 orderRef, address indexed by);
    /// @notice `amount` tokens were moved from `from` to `to` under legal order `orderRef`.
    event ForcedTransfer(
        address indexed from, address indexed to, uint256 amount, bytes32 orderRef, address indexed by
    );

    /// @notice `escrow` was registered under reference `ref`: legal orders reach its funds through the escrow.
    event EscrowRegistered(address indexed escrow, bytes32 ref, address indexed by);

    /// @notice The transfer or issuance breaks the rule with ERC-1404 code `code` (see {RuleCodes}).
    error TransferRestricted(uint8 code, address from, address to, uint256 value);
    /// @notice `purpose` is not one of the `PURPOSE_*` values other than `PURPOSE_NONE`.
    error InvalidPurpose(uint8 purpose);
    /// @notice A legal-order action must cite a non-zero order reference.
    error MissingOrderReference();
    /// @notice The issuer's HTP registration reference is zero.
    error MissingIssuerRegistration();
    /// @notice The holder registry is the zero address.
    error MissingRegistry();
    /// @notice The supply cap is zero.
    error ZeroCap();
    /// @notice `holder` is already frozen as a whole.
    error AlreadyFrozen(address holder);
    /// @notice `holder` is not frozen as a whole.
    error NotFrozen(address holder);
    /// @notice A frozen amount must be positive.
    error ZeroAmount();
    /// @notice Unfreezing `requested` tokens of `holder`, of which only `frozen` are frozen.
    error UnfreezeExceedsFrozen(address holder, uint256 frozen, uint256 requested);
    /// @notice A forced transfer must move tokens to another address than `holder`'s own.
    error ForcedTransferToSelf(address holder);
    /// @notice LEGAL-ORDER: `escrow` is a registered escrow; execute the order on the escrow, against the deal
    /// or the party's credit (`freezeDeal`, `directFunds`, `directCredit`).
    error OrderAgainstEscrow(address escrow);
    /// @notice `escrow` is already registered.
    error EscrowAlreadyRegistered(address escrow);
    /// @notice `escrow` has no code, or is frozen (lift its freezes before registering it).
    error InvalidEscrow(address escrow);

    /**
     * @param name_ token name.
     * @param symbol_ token symbol.
     * @param cap_ maximum total supply, as stated in the terms (SUPPLY-CAP); non-zero.
     * @param issuerRegistration_ HTP registration reference of the issuer (ISSUER-HTP); non-zero.
     * @param registry_ the holder registry read on every transfer; non-zero.
     * @param termsHash_ content hash of the terms (white paper, offer), version 1.
     * @param termsUri_ where the terms are published.
     * @param admin receives `DEFAULT_ADMIN_ROLE` (changed in two steps, see {LegalOrderGovernance}) and
     * `TERMS_ADMIN_ROLE`; non-zero.
     * @param placementAgent receives `PLACEMENT_AGENT_ROLE`; non-zero.
     * @param legalOrderAuthority receives `LEGAL_ORDER_AUTHORITY_ROLE` and `LEGAL_ORDER_ROLE`; non-zero and not
     * `admin` (else `RoleRestricted` with code LEGAL_ORDER).
     * @param oversight receives `OVERSIGHT_ROLE`; non-zero.
     */
    constructor(
        string memory name_,
        string memory symbol_,
        uint256 cap_,
        bytes32 issuerRegistration_,
        address registry_,
        bytes32 termsHash_,
        string memory termsUri_,
        address admin,
        address placementAgent,
        address legalOrderAuthority,
        address oversight
    ) ERC20(name_, symbol_) LegalOrderGovernance(admin) TermsBound(termsHash_, termsUri_) {
        if (cap_ == 0) revert ZeroCap();
        if (issuerRegistration_ == bytes32(0)) revert MissingIssuerRegistration();
        if (registry_ == address(0)) revert MissingRegistry();
        _cap = cap_;
        _issuerRegistration = issuerRegistration_;
        _registry = IHolderRegistry(registry_);
        _grantRole(TERMS_ADMIN_ROLE, admin);
        _appointLegalOrderAuthority(legalOrderAuthority);
        _grantNonZero(PLACEMENT_AGENT_ROLE, placementAgent);
        _grantNonZero(OVERSIGHT_ROLE, oversight);
    }

    // ─────────────────────────────── issuance ───────────────────────────────

    /**
     * @notice Issues `amount` new tokens to `to` (ISSUER-HTP). The receiver must pass every transfer rule.
     *
     * Requirements: caller has `PLACEMENT_AGENT_ROLE` (else `TransferRestricted` with code ISSUER_HTP);
     * the new total supply is within the cap; `to` is a compliant receiver.
     *
     * Emits a {Transfer} event from the zero address.
     */
    function issue(address to, uint256 amount) external {
        if (!hasRole(PLACEMENT_AGENT_ROLE, _msgSender())) {
            revert TransferRestricted(RuleCodes.ISSUER_HTP, address(0), to, amount);
        }
        _mint(to, amount);
    }

    // ───────────────────────────── transfers ─────────────────────────────

    /**
     * @notice Transfers `value` tokens to `to`, stating why (P2P-SALE: a non-sale purpose lets two
     * individuals transfer directly).
     *
     * Requirements: `purpose` is PURPOSE_GIFT, PURPOSE_INHERITANCE or PURPOSE_OWN_WALLET; every rule passes.
     *
     * Emits a {Transfer} and a {TransferPurposeStated} event.
     */
    function transferWithPurpose(address to, uint256 value, uint8 purpose) external returns (bool) {
        _checkPurpose(purpose);
        address from = _msgSender();
        _purpose = purpose;
        _transfer(from, to, value);
        _purpose = PURPOSE_NONE;
        emit TransferPurposeStated(from, to, value, purpose);
        return true;
    }

    /**
     * @notice Transfers `value` tokens from `from` to `to` using the caller's allowance, stating why.
     *
     * Requirements: as {transferWithPurpose}; the caller's allowance from `from` covers `value`.
     *
     * Emits a {Transfer} and a {TransferPurposeStated} event (like {transferFrom}, no {Approval} event).
     */
    function transferFromWithPurpose(address from, address to, uint256 value, uint8 purpose)
        external
        returns (bool)
    {
        _checkPurpose(purpose);
        _spendAllowance(from, _msgSender(), value);
        _purpose = purpose;
        _transfer(from, to, value);
        _purpose = PURPOSE_NONE;
        emit TransferPurposeStated(from, to, value, purpose);
        return true;
    }

    // ─────────────────────────────── ERC-1404 ───────────────────────────────

    /**
     * @notice ERC-1404: the code of the first rule a transfer of `value` from `from` to `to` would break, made
     * by `from` itself without a stated purpose; 0 when it would pass every rule. For issuance pass
     * `from = address(0)` (the caller's role is not checked here).
     */
    function detectTransferRestriction(address from, address to, uint256 value) external view returns (uint8) {
        return _restrictionCode(from, from, to, value, PURPOSE_NONE);
    }

    /**
     * @notice As {detectTransferRestriction}, for a transfer by `from` that states `purpose`
     * (`PURPOSE_NONE` gives the same answer as {detectTransferRestriction}).
     *
     * Requirements: `purpose` is at most `PURPOSE_OWN_WALLET` (else `InvalidPurpose`, as the transfer would).
     */
    function detectTransferRestrictionWithPurpose(address from, address to, uint256 value, uint8 purpose)
        external
        view
        returns (uint8)
    {
        if (purpose > PURPOSE_OWN_WALLET) revert InvalidPurpose(purpose);
        return _restrictionCode(from, from, to, value, purpose);
    }

    /// @notice ERC-1404: a text for `restrictionCode` that starts with the rule ID; for a project code (64-127)
    /// the text of {_projectRestrictionMessage}.
    function messageForTransferRestriction(uint8 restrictionCode) external view returns (string memory) {
        if (restrictionCode == RuleCodes.SUCCESS) return "SUCCESS: no restriction";
        if (restrictionCode == RuleCodes.ISSUER_HTP) {
            return "ISSUER-HTP: only the placement agent of the HTP-resident issuer may issue tokens";
        }
        if (restrictionCode == RuleCodes.TERMS_BOUND) {
            return "TERMS-BOUND: the terms are not bound on chain in their current version";
        }
        if (restrictionCode == RuleCodes.TERMS_ACCEPTED) {
            return "TERMS-ACCEPTED: the receiver has not accepted the current terms version";
        }
        if (restrictionCode == RuleCodes.HOLDER_IDENTIFIED) {
            return "HOLDER-IDENTIFIED: sender or receiver is not identified by the holder registry";
        }
        if (restrictionCode == RuleCodes.HOLDER_ELIGIBLE) {
            return "HOLDER-ELIGIBLE: sender or receiver is a minor, in a prohibited jurisdiction or lacks competence";
        }
        if (restrictionCode == RuleCodes.ILLICIT_ADDRESS) {
            return "ILLICIT-ADDRESS: sender or receiver is on the illicit-address register";
        }
        if (restrictionCode == RuleCodes.P2P_SALE) {
            return "P2P-SALE: a transfer between individuals needs an operator or a stated non-sale purpose";
        }
        if (restrictionCode == RuleCodes.LEGAL_ORDER) {
            return "LEGAL-ORDER: the address or the amount is frozen by a legal order";
        }
        if (restrictionCode == RuleCodes.RECORDS) return "RECORDS: the action would leave no record";
        if (restrictionCode == RuleCodes.NOT_PAYMENT) {
            return "NOT-PAYMENT: tokens are not a means of payment for goods, works or services";
        }
        if (restrictionCode == RuleCodes.FUNDS_RETURN) {
            return "FUNDS-RETURN: escrowed funds must be returnable after the deadline";
        }
        if (restrictionCode == RuleCodes.OVERSIGHT_PAUSE) {
            return "OVERSIGHT-PAUSE: transfers are paused by the oversight role";
        }
        if (restrictionCode == RuleCodes.SUPPLY_CAP) return "SUPPLY-CAP: issuance would exceed the supply cap";
        if (restrictionCode == RuleCodes.FOREIGN_PLATFORM) {
            return "FOREIGN-PLATFORM: an individual in BY may not sell tokens to an operator of another jurisdiction";
        }
        if (restrictionCode >= RuleCodes.PROJECT_MIN && restrictionCode <= RuleCodes.PROJECT_MAX) {
            return _projectRestrictionMessage(restrictionCode);
        }
        return "UNKNOWN: unknown restriction code";
    }

    // ───────────────────────────── legal orders ─────────────────────────────

    /**
     * @notice Freezes `holder` as a whole: it can neither send nor receive (LEGAL-ORDER).
     *
     * Requirements: caller has `LEGAL_ORDER_ROLE`; `orderRef` non-zero; `holder` not already frozen and not a
     * registered escrow (`OrderAgainstEscrow`: freeze the deal on the escrow instead).
     *
     * Emits an {AddressFrozen} event.
     */
    function freeze(address holder, bytes32 orderRef) external onlyRole(LEGAL_ORDER_ROLE) {
        _checkOrderRef(orderRef);
        _checkNotEscrow(holder);
        FreezeState storage state = _freezes[holder];
        if (state.whole) revert AlreadyFrozen(holder);
        state.whole = true;
        emit AddressFrozen(holder, orderRef, _msgSender());
    }

    /**
     * @notice Lifts the whole-address freeze of `holder`. A frozen amount, if any, stays frozen.
     *
     * Requirements: caller has `LEGAL_ORDER_ROLE`; `orderRef` non-zero; `holder` frozen.
     *
     * Emits an {AddressUnfrozen} event.
     */
    function unfreeze(address holder, bytes32 orderRef) external onlyRole(LEGAL_ORDER_ROLE) {
        _checkOrderRef(orderRef);
        FreezeState storage state = _freezes[holder];
        if (!state.whole) revert NotFrozen(holder);
        state.whole = false;
        emit AddressUnfrozen(holder, orderRef, _msgSender());
    }

    /**
     * @notice Freezes `amount` more tokens of `holder` (partial arrest). The frozen amount may exceed the
     * balance; the holder can spend only {availableBalanceOf}.
     *
     * Requirements: caller has `LEGAL_ORDER_ROLE`; `orderRef` non-zero; `amount` positive; `holder` not a
     * registered escrow (`OrderAgainstEscrow`).
     *
     * Emits a {TokensFrozen} event.
     */
    function freezeAmount(address holder, uint256 amount, bytes32 orderRef) external onlyRole(LEGAL_ORDER_ROLE) {
        _checkOrderRef(orderRef);
        _checkNotEscrow(holder);
        if (amount == 0) revert ZeroAmount();
        FreezeState storage state = _freezes[holder];
        state.amount = SafeCast.toUint248(state.amount + amount);
        emit TokensFrozen(holder, amount, orderRef, _msgSender());
    }

    /**
     * @notice Releases `amount` frozen tokens of `holder`.
     *
     * Requirements: caller has `LEGAL_ORDER_ROLE`; `orderRef` non-zero; `amount` positive and at most the
     * frozen amount.
     *
     * Emits a {TokensUnfrozen} event.
     */
    function unfreezeAmount(address holder, uint256 amount, bytes32 orderRef) external onlyRole(LEGAL_ORDER_ROLE) {
        _checkOrderRef(orderRef);
        if (amount == 0) revert ZeroAmount();
        FreezeState storage state = _freezes[holder];
        uint256 frozen = state.amount;
        if (amount > frozen) revert UnfreezeExceedsFrozen(holder, frozen, amount);
        state.amount = uint248(frozen - amount);
        emit TokensUnfrozen(holder, amount, orderRef, _msgSender());
    }

    /**
     * @notice Moves `amount` tokens from `from` to `to` under a legal order (arrest and transfer to an
     * enforcement body's wallet). Pause, freezes, terms, eligibility and P2P-SALE do not apply; the
     * receiver must still be identified and not on the illicit-address register. If `amount` exceeds the
     * available balance of `from`, its frozen amount is reduced by the excess.
     *
     * Requirements: caller has `LEGAL_ORDER_ROLE`; `orderRef` non-zero; `from` holds `amount` and is not a
     * registered escrow (`OrderAgainstEscrow`: direct the deal's funds or the party's credit on the escrow);
     * `to` is another address, identified (else `TransferRestricted` HOLDER_IDENTIFIED) and not blocked
     * (ILLICIT_ADDRESS). The movement passes through {_update} (so a derived contract sees it) without the
     * transfer rules.
     *
     * Emits a {Transfer} and a {ForcedTransfer} event, and a {TokensUnfrozen} event for any excess.
     */
    function forcedTransfer(address from, address to, uint256 amount, bytes32 orderRef)
        external
        onlyRole(LEGAL_ORDER_ROLE)
    {
        _checkOrderRef(orderRef);
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        if (to == from) revert ForcedTransferToSelf(from);
        _checkNotEscrow(from);
        IHolderRegistry.HolderStatus memory receiver = _registry.statusOf(to);
        if (receiver.blocked) revert TransferRestricted(RuleCodes.ILLICIT_ADDRESS, from, to, amount);
        if (!receiver.identified) revert TransferRestricted(RuleCodes.HOLDER_IDENTIFIED, from, to, amount);
        uint256 balance = balanceOf(from);
        if (amount > balance) revert ERC20InsufficientBalance(from, balance, amount);
        uint256 available = _available(from, balance);
        if (amount > available) {
            uint256 excess = amount - available;
            FreezeState storage state = _freezes[from];
            state.amount = uint248(state.amount - excess);
            emit TokensUnfrozen(from, excess, orderRef, _msgSender());
        }
        _forced = true;
        _update(from, to, amount);
        _forced = false;
        emit ForcedTransfer(from, to, amount, orderRef, _msgSender());
    }

    /**
     * @notice Registers `escrow` (a decree8 DealEscrow or equal) as an escrow of this token, for good: from now
     * on it is never frozen nor forced to transfer here, and legal orders against the funds it holds are
     * executed on the escrow, against the deal or the party's credit. This keeps the escrow solvent: it
     * always holds the tokens it owes (issue 12). Registration cannot be undone.
     *
     * Requirements: caller has `LEGAL_ORDER_AUTHORITY_ROLE` (the authority whose orders it limits);
     * `ref` non-zero; `escrow` has code, is not registered yet and is not frozen (as a whole or an amount).
     *
     * Emits an {EscrowRegistered} event.
     */
    function registerEscrow(address escrow, bytes32 ref) external onlyRole(LEGAL_ORDER_AUTHORITY_ROLE) {
        _checkOrderRef(ref);
        if (_escrows[escrow] != bytes32(0)) revert EscrowAlreadyRegistered(escrow);
        FreezeState memory state = _freezes[escrow];
        if (escrow.code.length == 0 || state.whole || state.amount != 0) revert InvalidEscrow(escrow);
        _escrows[escrow] = ref;
        emit EscrowRegistered(escrow, ref, _msgSender());
    }

    /// @notice The reference under which `escrow` was registered (zero when it is not a registered escrow).
    function escrowRegistration(address escrow) external view returns (bytes32) {
        return _escrows[escrow];
    }

    // ─────────────────────────────── oversight ───────────────────────────────

    /**
     * @notice Pauses all transfers and issuance (OVERSIGHT-PAUSE). Forced transfers still work.
     *
     * Requirements: caller has `OVERSIGHT_ROLE`; not paused.
     *
     * Emits a {Paused} event.
     */
    function pause() external onlyRole(OVERSIGHT_ROLE) {
        _pause();
    }

    /**
     * @notice Ends a pause.
     *
     * Requirements: caller has `OVERSIGHT_ROLE`; paused.
     *
     * Emits an {Unpaused} event.
     */
    function unpause() external onlyRole(OVERSIGHT_ROLE) {
        _unpause();
    }

    // ───────────────────────────────── views ─────────────────────────────────

    /// @notice The HTP registration reference of the issuer (ISSUER-HTP), fixed at deployment.
    function issuerRegistration() external view returns (bytes32) {
        return _issuerRegistration;
    }

    /// @notice The holder registry this token reads.
    function registry() external view returns (IHolderRegistry) {
        return _registry;
    }

    /// @notice The maximum total supply (SUPPLY-CAP).
    function cap() external view returns (uint256) {
        return _cap;
    }

    /// @notice The amount of `holder`'s tokens frozen by legal orders (may exceed its balance).
    function frozenBalanceOf(address holder) external view returns (uint256) {
        return _freezes[holder].amount;
    }

    /// @notice Whether `holder` is frozen as a whole (can neither send nor receive).
    function isFrozen(address holder) external view returns (bool) {
        return _freezes[holder].whole;
    }

    /// @notice The balance `holder` may spend: its balance less the frozen amount, at least 0.
    function availableBalanceOf(address holder) external view returns (uint256) {
        return _available(holder, balanceOf(holder));
    }

    // ─────────────────────────────── internals ───────────────────────────────

    /**
     * @dev The one place where every transfer rule is applied: issuance (`from == 0`), {transfer},
     * {transferFrom} and the `...WithPurpose` variants all pass here. Reverts with the first failing rule.
     * {forcedTransfer} passes here too, without the rules (a legal order).
     *
     * Extension point: a derived contract may override it to act on every movement of tokens; it must call
     * `super._update(from, to, value)` so that the rules keep applying. To add a rule, override
     * {_projectRestriction} instead, so that {detectTransferRestriction} reports it too.
     */
    function _update(address from, address to, uint256 value) internal virtual override {
        if (!_forced) {
            uint8 code = _restrictionCode(_msgSender(), from, to, value, _purpose);
            if (code != RuleCodes.SUCCESS) revert TransferRestricted(code, from, to, value);
        }
        super._update(from, to, value);
    }

    /**
     * @dev Extension point: the code of the project's own rule that a movement of `value` tokens from `from`
     * (zero for issuance) to `to` breaks, or 0. Consulted after every built-in rule passed, by the transfer
     * path ({_update}, which reverts with `TransferRestricted(code, from, to, value)`) and by
     * {detectTransferRestriction}, so the view and the action agree. Return codes from
     * `RuleCodes.PROJECT_MIN` (64) to `RuleCodes.PROJECT_MAX` (127) and describe them in
     * {_projectRestrictionMessage}. Not consulted for forced transfers (legal orders).
     */
    function _projectRestriction(address /* from */, address /* to */, uint256 /* value */)
        internal
        view
        virtual
        returns (uint8)
    {
        return RuleCodes.SUCCESS;
    }

    /**
     * @dev Extension point: the text {messageForTransferRestriction} gives for a project code (64-127). The
     * default names the code; override it to start the text with the project's rule ID.
     */
    function _projectRestrictionMessage(uint8 code) internal view virtual returns (string memory) {
        return string.concat("PROJECT-RULE: restriction code ", Strings.toString(code), " of this project");
    }

    /**
     * @dev The code of the first rule that a movement of `value` tokens from `from` (zero for issuance) to
     * `to`, made by `operator` with stated `purpose`, breaks; `SUCCESS` if none. Used by {_update} and by the
     * ERC-1404 views, so a view and the action cannot disagree.
     */
    function _restrictionCode(address operator, address from, address to, uint256 value, uint8 purpose)
        internal
        view
        returns (uint8)
    {
        if (paused()) return RuleCodes.OVERSIGHT_PAUSE;
        bool minting = from == address(0);
        // Written so that no `value` overflows: totalSupply() never exceeds the cap.
        if (minting && value > _cap - totalSupply()) return RuleCodes.SUPPLY_CAP;

        IHolderRegistry.HolderStatus memory receiver = _registry.statusOf(to);
        // Issuance has no sender: its status stays "none" (not identified, not blocked).
        IHolderRegistry.HolderStatus memory sender =
            IHolderRegistry.HolderStatus(IHolderRegistry.HolderType.None, false, false, false);
        if (!minting) sender = _registry.statusOf(from);

        if (receiver.blocked || sender.blocked) return RuleCodes.ILLICIT_ADDRESS;
        if (!receiver.identified || (!minting && !sender.identified)) return RuleCodes.HOLDER_IDENTIFIED;
        if (!receiver.eligible || (!minting && !sender.eligible)) return RuleCodes.HOLDER_ELIGIBLE;
        if (!hasAcceptedCurrentTerms(to)) return RuleCodes.TERMS_ACCEPTED;

        if (_freezes[to].whole) return RuleCodes.LEGAL_ORDER;
        if (!minting) {
            FreezeState memory state = _freezes[from];
            if (state.whole) return RuleCodes.LEGAL_ORDER;
            if (state.amount != 0) {
                uint256 balance = balanceOf(from);
                // Spending more than the balance is left to ERC20InsufficientBalance.
                if (value <= balance && value > _available(from, balance)) return RuleCodes.LEGAL_ORDER;
            }
        }

        if (
            purpose == PURPOSE_NONE && from != to && sender.holderType == IHolderRegistry.HolderType.Individual
                && receiver.holderType == IHolderRegistry.HolderType.Individual
                && (operator == from || operator == to || !_isCompliantOperator(operator))
        ) return RuleCodes.P2P_SALE;
        if (
            purpose == PURPOSE_NONE && sender.holderType == IHolderRegistry.HolderType.Individual
                && receiver.holderType == IHolderRegistry.HolderType.Operator && _isForeignSale(from, to)
        ) return RuleCodes.FOREIGN_PLATFORM;
        return _projectRestriction(from, to, value);
    }

    /// @dev Whether `from` is attested in Belarus and `to` in another jurisdiction (FOREIGN-PLATFORM).
    function _isForeignSale(address from, address to) private view returns (bool) {
        return _registry.jurisdictionOf(from) == _BELARUS && _registry.jurisdictionOf(to) != _BELARUS;
    }

    /// @dev Whether `account` is an identified, eligible, unblocked Operator-type holder.
    function _isCompliantOperator(address account) private view returns (bool) {
        IHolderRegistry.HolderStatus memory status = _registry.statusOf(account);
        return status.holderType == IHolderRegistry.HolderType.Operator && status.eligible && !status.blocked;
    }

    /// @inheritdoc TermsBound
    function _authorizeTermsAmendment() internal view override {
        _checkRole(TERMS_ADMIN_ROLE);
    }

    function _available(address holder, uint256 balance) private view returns (uint256) {
        uint256 frozen = _freezes[holder].amount;
        return balance > frozen ? balance - frozen : 0;
    }

    function _checkPurpose(uint8 purpose) private pure {
        if (purpose == PURPOSE_NONE || purpose > PURPOSE_OWN_WALLET) revert InvalidPurpose(purpose);
    }

    function _checkOrderRef(bytes32 orderRef) private pure {
        if (orderRef == bytes32(0)) revert MissingOrderReference();
    }

    function _checkNotEscrow(address holder) private view {
        if (_escrows[holder] != bytes32(0)) revert OrderAgainstEscrow(holder);
    }
}
